/** esbuild bundles the CSS the page imports into app.css; to TypeScript such an import has no value. */
declare module '*.css';
