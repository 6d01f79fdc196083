// Vite's `?url` imports (the worker imports the sandbox engine's .wasm this way; vite/client types are the page's).
declare module '*?url' {
  const url: string;
  export default url;
}
