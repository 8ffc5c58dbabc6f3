// esbuild bundles the stylesheet beside the script (app.css); the import only names it.
declare module "*.css";
