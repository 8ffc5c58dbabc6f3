// `ndc completion bash|zsh`: shell completion generated from the command tree, so it never drifts
// from the commands and flags that exist.
import { Command, Argument } from "commander";
import { action } from "../command-kit.ts";

/** Every command path ("" for the root, "env list", …) with the words that may follow it. */
export function completionWords(root: Command): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const walk = (cmd: Command, path: string) => {
    const words = [...cmd.commands.map((c) => c.name()), ...cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))), "--help"];
    table.set(path, [...new Set(words)]);
    for (const sub of cmd.commands) walk(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  walk(root, "");
  return table;
}

function caseLines(table: Map<string, string[]>): string {
  return [...table].map(([path, words]) => `    ${JSON.stringify(path)}) echo ${JSON.stringify(words.join(" "))} ;;`).join("\n");
}

/** A bash completion script (source it, or put it in /etc/bash_completion.d/ndc). */
export function bashCompletion(root: Command): string {
  return `# ndc bash completion: source <(ndc completion bash)
_ndc_words() {
  case "$1" in
${caseLines(completionWords(root))}
  esac
}
_ndc() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmdpath="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    case " $(_ndc_words "$cmdpath") " in *" $w "*) cmdpath="\${cmdpath:+$cmdpath }$w" ;; esac
  done
  COMPREPLY=($(compgen -W "$(_ndc_words "$cmdpath")" -- "$cur"))
}
complete -F _ndc ndc
`;
}

/** A zsh completion script (source it, or save it as _ndc on $fpath). */
export function zshCompletion(root: Command): string {
  return `#compdef ndc
# ndc zsh completion: source <(ndc completion zsh)
_ndc_words() {
  case "$1" in
${caseLines(completionWords(root))}
  esac
}
_ndc() {
  local cmdpath="" w
  for w in "\${(@)words[2,CURRENT-1]}"; do
    [[ $w == -* ]] && continue
    case " $(_ndc_words "$cmdpath") " in *" $w "*) cmdpath="\${cmdpath:+$cmdpath }$w" ;; esac
  done
  compadd -- \${=$(_ndc_words "$cmdpath")}
}
if (( $+functions[compdef] )); then compdef _ndc ndc; fi
`;
}

export function completionCommand(root: () => Command): Command {
  return new Command("completion")
    .description("print a shell completion script")
    .addArgument(new Argument("<shell>", "the shell").choices(["bash", "zsh"]))
    .addHelpText(
      "after",
      "\nexamples:\n  source <(ndc completion bash)          # in ~/.bashrc\n  ndc completion zsh > ~/.zfunc/_ndc      # with fpath+=(~/.zfunc) before compinit",
    )
    .action(
      action(async (_ctx, shell: string) => {
        process.stdout.write(shell === "bash" ? bashCompletion(root()) : zshCompletion(root()));
      }),
    );
}
