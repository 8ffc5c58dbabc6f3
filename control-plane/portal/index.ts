// The web portal: built from ./app by esbuild, served by the control plane at `/`.
export { buildPortal, PORTAL_FILES, readPortal, writePortal, type PortalAssets, type PortalFile } from "./build.ts";
export { portalCsp, portalRoutes, type PortalOidc, type PortalRoutesOptions } from "./portal-routes.ts";
