/** greeting is the text the page shows. */
export function greeting(name: string): string {
  return `Hello from ${name}, bundled by esbuild and packed into an image by tsbuild`;
}
