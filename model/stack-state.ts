import { Type, type Static } from "@sinclair/typebox";

/**
 * Where a stack keeps its state and how it encrypts its secrets (`ndc:state`), read by the Pulumi
 * wrapper (scripts/pulumi/state-settings.ts) before the engine runs. Without a backend a site stack
 * uses `PULUMI_BACKEND_URL` or `pulumi login`'s; without a secrets provider, a passphrase the user
 * gives (only the `local` stack has a built-in one).
 */
export const StackStateSchema = Type.Object(
  {
    backend: Type.Optional(
      Type.String({
        pattern: "^(file|s3|azblob|gs|https)://[^\\s]+$",
        maxLength: 2048,
        "x-rule": "backend-url",
        "x-message": "must be a Pulumi backend URL: file://, s3://, azblob://, gs:// or https://",
        description: "Pulumi state backend URL",
      }),
    ),
    secretsProvider: Type.Optional(
      Type.String({
        pattern: "^(passphrase|(awskms|azurekeyvault|gcpkms|hashivault)://[^\\s]+)$",
        maxLength: 2048,
        "x-rule": "secrets-provider",
        "x-message": "must be passphrase or a KMS URL: awskms://, azurekeyvault://, gcpkms:// or hashivault://",
        description: "Pulumi secrets provider; default passphrase (PULUMI_CONFIG_PASSPHRASE_FILE)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type StackState = Static<typeof StackStateSchema>;
