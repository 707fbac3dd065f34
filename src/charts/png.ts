import { createRequire } from "node:module";
import { FONT_FAMILY } from "./svg.js";

/**
 * SVG to PNG with resvg (a Rust renderer shipped as prebuilt binaries in npm packages, so it
 * installs without a compiler or a download). It runs on libuv's thread pool (`renderAsync`), so
 * drawing never blocks the event loop. The font comes from an npm package too (Inter, OFL):
 * a server without fonts (a slim container) draws the same chart as a laptop, letter for letter.
 */

const require = createRequire(import.meta.url);

export const FONT_FILES: readonly string[] = [
  require.resolve("@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf"),
  require.resolve("@expo-google-fonts/inter/700Bold/Inter_700Bold.ttf"),
];

/**
 * The SVG's own size: 1,000 px wide, about a phone screen's width in device pixels, so the chart
 * is sharp there. Drawn 1.5 times as large it took about twice as long to render and encode.
 */
export const PNG_SCALE = 1;

export async function svgToPng(svg: string): Promise<Buffer> {
  // Loaded on first use: the native renderer is not needed to start, only to draw.
  const { renderAsync } = await import("@resvg/resvg-js");
  const image = await renderAsync(svg, {
    fitTo: { mode: "zoom", value: PNG_SCALE },
    font: {
      loadSystemFonts: false,
      fontFiles: [...FONT_FILES],
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    logLevel: "off",
  });
  return image.asPng();
}

/** A PNG's width and height, read from its IHDR chunk; undefined when it is not a PNG. */
export function pngSize(png: Uint8Array): { width: number; height: number } | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 24 || signature.some((byte, i) => png[i] !== byte)) return undefined;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunk = String.fromCharCode(...png.subarray(12, 16));
  if (chunk !== "IHDR") return undefined;
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
