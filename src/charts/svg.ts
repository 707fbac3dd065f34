import { oneDecimal } from "../survey/scoring.js";
import type { GapChartData, GapChartRow, TrendChartData } from "./data.js";
import { TOTAL_MAX, TOTAL_MIN } from "./data.js";

/**
 * The charts as SVG, pure functions of the chart data. Drawn for a phone first: 1000 px wide
 * (Slack scales an image to the screen's width, about a third of this on a phone), text of 28 px
 * and more, so it still reads at about 10 px. On an opaque light card, so it reads the same in
 * Slack's dark mode as in its light mode (a transparent chart would put dark text on dark grey).
 * Never colour alone: Sales is a circle marked "S", Marketing a square marked "M", and every
 * row says in words who rates the statement higher.
 */

export const CHART_WIDTH = 1000;
const MARGIN = 40;
export const FONT_FAMILY = "Inter";

export const COLOURS = {
  background: "#ffffff",
  text: "#1d1c1d",
  muted: "#5e5d60",
  track: "#d6d6d6",
  sales: "#1d5fa8",
  marketing: "#b4461a",
  bandA: "#f4f4f4",
  bandB: "#e9e9e9",
  target: "#2b7a3d",
} as const;

/** Escape text for an SVG text node or attribute. */
export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

interface TextOptions {
  size: number;
  weight?: "normal" | "bold";
  anchor?: "start" | "middle" | "end";
  fill?: string;
}

function text(x: number, y: number, content: string, o: TextOptions): string {
  const weight = o.weight === "bold" ? ' font-weight="700"' : "";
  const anchor = o.anchor && o.anchor !== "start" ? ` text-anchor="${o.anchor}"` : "";
  return `<text x="${r1(x)}" y="${r1(y)}" font-size="${o.size}"${weight}${anchor} fill="${o.fill ?? COLOURS.text}">${xmlEscape(content)}</text>`;
}

/** Sales' marker: a circle with an "S". */
function salesMarker(x: number, y: number, size = 16): string {
  return `<circle cx="${r1(x)}" cy="${r1(y)}" r="${size}" fill="${COLOURS.sales}" stroke="#ffffff" stroke-width="2"/>${text(x, y + size * 0.42, "S", { size: Math.round(size * 1.2), weight: "bold", anchor: "middle", fill: "#ffffff" })}`;
}

/** Marketing's marker: a square with an "M". */
function marketingMarker(x: number, y: number, size = 16): string {
  return `<rect x="${r1(x - size)}" y="${r1(y - size)}" width="${size * 2}" height="${size * 2}" fill="${COLOURS.marketing}" stroke="#ffffff" stroke-width="2"/>${text(x, y + size * 0.42, "M", { size: Math.round(size * 1.1), weight: "bold", anchor: "middle", fill: "#ffffff" })}`;
}

function svgDocument(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    `<rect width="${width}" height="${height}" fill="${COLOURS.background}"/>`,
    ...body,
    "</svg>",
  ].join("\n");
}

// ---- gap chart --------------------------------------------------------------------------------

const GAP_HEADER = 230;
export const GAP_ROW_HEIGHT = 112;
const GAP_FOOTER = 40;
const TRACK_LEFT = MARGIN + 20;
const TRACK_RIGHT = 640;
const GAP_LABEL_X = CHART_WIDTH - MARGIN;
/** Statement labels are cut to fit one line at the label size. */
const THEME_CHARS = 46;

const ratingX = (rating: number) => TRACK_LEFT + ((rating - 1) / 4) * (TRACK_RIGHT - TRACK_LEFT);

export function gapChartHeight(rows: number): number {
  return GAP_HEADER + rows * GAP_ROW_HEIGHT + GAP_FOOTER;
}

/** "Sales +1.2", "Marketing +0.4" or "Same": who rates it higher and by how much. */
export function gapLabel(row: Pick<GapChartRow, "gap" | "higher">): string {
  if (row.higher === "same") return "Same";
  return `${row.higher === "sales" ? "Sales" : "Marketing"} +${oneDecimal(Math.abs(row.gap))}`;
}

function gapRow(row: GapChartRow, top: number): string[] {
  const out: string[] = [];
  const labelY = top + 40;
  const trackY = top + 82;
  out.push(text(MARGIN, labelY, clip(`${row.number}. ${row.theme}`, THEME_CHARS), { size: 30 }));
  out.push(
    `<line x1="${TRACK_LEFT}" y1="${trackY}" x2="${TRACK_RIGHT}" y2="${trackY}" stroke="${COLOURS.track}" stroke-width="4"/>`,
  );
  for (let rating = 1; rating <= 5; rating++) {
    const x = ratingX(rating);
    out.push(
      `<line x1="${r1(x)}" y1="${trackY - 10}" x2="${r1(x)}" y2="${trackY + 10}" stroke="${COLOURS.track}" stroke-width="3"/>`,
    );
  }
  let salesX = ratingX(row.sales);
  let marketingX = ratingX(row.marketing);
  // The gap itself: a thick bar between the two means, in the colour of the side rating higher.
  if (row.higher !== "same") {
    const colour = row.higher === "sales" ? COLOURS.sales : COLOURS.marketing;
    const left = Math.min(salesX, marketingX);
    const width = Math.abs(salesX - marketingX);
    out.push(
      `<rect x="${r1(left)}" y="${trackY - 7}" width="${r1(width)}" height="14" rx="7" fill="${colour}" fill-opacity="${row.wide ? 0.9 : 0.45}"/>`,
    );
  }
  // Markers 32 px wide would hide each other: spread them apart around their midpoint.
  const minApart = 34;
  if (Math.abs(salesX - marketingX) < minApart) {
    const mid = (salesX + marketingX) / 2;
    const salesLeft = row.sales <= row.marketing;
    salesX = mid + (salesLeft ? -minApart / 2 : minApart / 2);
    marketingX = mid + (salesLeft ? minApart / 2 : -minApart / 2);
  }
  out.push(salesMarker(salesX, trackY), marketingMarker(marketingX, trackY));
  const strong = row.wide || row.clearlyDifferent;
  out.push(
    text(GAP_LABEL_X, trackY + 10, gapLabel(row), {
      size: 28,
      weight: strong ? "bold" : "normal",
      anchor: "end",
      fill: row.higher === "same" ? COLOURS.muted : COLOURS.text,
    }),
  );
  if (row.clearlyDifferent) {
    out.push(
      text(GAP_LABEL_X, labelY, "clearly different", {
        size: 22,
        anchor: "end",
        fill: COLOURS.muted,
      }),
    );
  }
  return out;
}

export function gapChartSvg(data: GapChartData): string {
  const height = gapChartHeight(data.rows.length);
  const body: string[] = [
    text(MARGIN, 58, "How Sales and Marketing rate each statement", { size: 38, weight: "bold" }),
    text(
      MARGIN,
      100,
      `Widest gap first · Sales n=${data.counts.sales} · Marketing n=${data.counts.marketing}`,
      {
        size: 26,
        fill: COLOURS.muted,
      },
    ),
    salesMarker(MARGIN + 16, 146),
    text(MARGIN + 42, 156, "Sales", { size: 28 }),
    marketingMarker(MARGIN + 170, 146),
    text(MARGIN + 196, 156, "Marketing", { size: 28 }),
    text(GAP_LABEL_X, 156, "who rates it higher", { size: 24, anchor: "end", fill: COLOURS.muted }),
  ];
  // The 1–5 scale, named once above the rows.
  for (let rating = 1; rating <= 5; rating++) {
    body.push(
      text(ratingX(rating), 212, String(rating), {
        size: 26,
        weight: "bold",
        anchor: "middle",
        fill: COLOURS.muted,
      }),
    );
  }
  body.push(
    text(ratingX(1) + 24, 212, "disagree", { size: 20, fill: COLOURS.muted }),
    text(ratingX(5) - 24, 212, "agree", { size: 20, anchor: "end", fill: COLOURS.muted }),
  );
  data.rows.forEach((row, i) => {
    const top = GAP_HEADER + i * GAP_ROW_HEIGHT;
    if (i % 2 === 1) {
      body.push(
        `<rect x="0" y="${top}" width="${CHART_WIDTH}" height="${GAP_ROW_HEIGHT}" fill="${COLOURS.bandA}"/>`,
      );
    }
    body.push(...gapRow(row, top));
  });
  return svgDocument(CHART_WIDTH, height, body);
}

// ---- trend chart ------------------------------------------------------------------------------

export const TREND_HEIGHT = 760;
const PLOT = { left: 250, right: CHART_WIDTH - 70, top: 190, bottom: 650 } as const;

const totalY = (total: number) =>
  PLOT.bottom - ((total - TOTAL_MIN) / (TOTAL_MAX - TOTAL_MIN)) * (PLOT.bottom - PLOT.top);

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2 Dec" (UTC): short enough for eight rounds side by side. */
export function shortDate(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

export function trendChartSvg(data: TrendChartData): string {
  const body: string[] = [
    text(MARGIN, 58, "Each side's score, round by round", { size: 38, weight: "bold" }),
    text(MARGIN, 100, "Mean score on the 20–100 total, against the level bands", {
      size: 26,
      fill: COLOURS.muted,
    }),
    salesMarker(MARGIN + 16, 146),
    text(MARGIN + 42, 156, "Sales", { size: 28 }),
    `<line x1="${MARGIN + 130}" y1="146" x2="${MARGIN + 190}" y2="146" stroke="${COLOURS.sales}" stroke-width="5"/>`,
    marketingMarker(MARGIN + 260, 146),
    text(MARGIN + 286, 156, "Marketing", { size: 28 }),
    `<line x1="${MARGIN + 430}" y1="146" x2="${MARGIN + 490}" y2="146" stroke="${COLOURS.marketing}" stroke-width="5" stroke-dasharray="12 8"/>`,
  ];
  data.bands.forEach((band, i) => {
    const top = totalY(band.to);
    const bottom = totalY(band.from);
    body.push(
      `<rect x="${PLOT.left}" y="${r1(top)}" width="${PLOT.right - PLOT.left}" height="${r1(bottom - top)}" fill="${i % 2 === 0 ? COLOURS.bandA : COLOURS.bandB}"/>`,
    );
    const isTarget = band.level === data.targetLevel;
    body.push(
      text(PLOT.left - 14, (top + bottom) / 2 + 2, band.level, {
        size: 26,
        weight: isTarget ? "bold" : "normal",
        anchor: "end",
      }),
      text(
        PLOT.left - 14,
        (top + bottom) / 2 + 30,
        isTarget ? "target" : `${band.from}–${band.to}`,
        {
          size: 20,
          anchor: "end",
          fill: isTarget ? COLOURS.target : COLOURS.muted,
        },
      ),
    );
    if (isTarget) {
      body.push(
        `<rect x="${PLOT.left}" y="${r1(top)}" width="${PLOT.right - PLOT.left}" height="${r1(bottom - top)}" fill="none" stroke="${COLOURS.target}" stroke-width="3" stroke-dasharray="10 6"/>`,
      );
    }
  });
  const count = data.points.length;
  const step = count > 1 ? (PLOT.right - PLOT.left - 80) / (count - 1) : 0;
  const roundX = (i: number) => PLOT.left + 40 + i * step;
  data.points.forEach((point, i) => {
    body.push(
      text(roundX(i), PLOT.bottom + 40, shortDate(point.closedAt), {
        size: 22,
        anchor: "middle",
        fill: COLOURS.muted,
      }),
    );
    if (point.sales === undefined) {
      body.push(
        text(roundX(i), PLOT.bottom + 68, "withheld", {
          size: 18,
          anchor: "middle",
          fill: COLOURS.muted,
        }),
      );
    }
  });
  const line = (side: "sales" | "marketing") => {
    const segments: string[] = [];
    let previous: { x: number; y: number } | undefined;
    data.points.forEach((point, i) => {
      const value = point[side];
      if (value === undefined) {
        previous = undefined;
        return;
      }
      const here = { x: roundX(i), y: totalY(value) };
      if (previous) {
        const dash = side === "marketing" ? ' stroke-dasharray="12 8"' : "";
        segments.push(
          `<line x1="${r1(previous.x)}" y1="${r1(previous.y)}" x2="${r1(here.x)}" y2="${r1(here.y)}" stroke="${COLOURS[side]}" stroke-width="5"${dash}/>`,
        );
      }
      previous = here;
    });
    return segments;
  };
  body.push(...line("sales"), ...line("marketing"));
  data.points.forEach((point, i) => {
    if (point.sales === undefined || point.marketing === undefined) return;
    const x = roundX(i);
    const salesAbove = point.sales >= point.marketing;
    body.push(
      salesMarker(x, totalY(point.sales), 15),
      marketingMarker(x, totalY(point.marketing), 14),
    );
    body.push(
      text(x, totalY(point.sales) + (salesAbove ? -24 : 44), oneDecimal(point.sales), {
        size: 22,
        weight: "bold",
        anchor: "middle",
        fill: COLOURS.sales,
      }),
      text(x, totalY(point.marketing) + (salesAbove ? 44 : -24), oneDecimal(point.marketing), {
        size: 22,
        weight: "bold",
        anchor: "middle",
        fill: COLOURS.marketing,
      }),
    );
  });
  return svgDocument(CHART_WIDTH, TREND_HEIGHT, body);
}
