import {
  addAnswer,
  emptyRoundCounts,
  type RoundCounts,
  SLICE_MS,
  yieldToEventLoop,
} from "../survey/counts.js";
import type { Side } from "../survey/types.js";

/**
 * A round's tallies and the comparison of who answered two rounds, read from either engine in
 * pages of rows in key order (the primary key's own order: each page is one index range after
 * the last key seen), with the event loop free between pages.
 *
 * Why pages and not GROUP BY: SQLite runs in this thread, so one query over a million answers
 * would hold the event loop for seconds; and on both engines, pulling a ratings list apart in
 * SQL (json_each, jsonb_array_elements) measured far slower than tallying the pages here: on
 * SQLite about thirty times, on PostgreSQL four to five times (100,000 answers: 0.8 s paged,
 * 4 s grouped). Each page is sized from the last one's time to take about SLICE_MS of this
 * thread, so a busy machine gets smaller pages rather than longer stalls.
 */

export interface KeyedRow {
  respondent_key: string;
  side: Side;
}

/** The rows after `after` (the last key seen, "" first), at most `size`, in key order. */
export type PageReader<Row> = (after: string, size: number) => Promise<Row[]>;

export interface PagingOptions {
  /**
   * Whether reading a page holds this thread (SQLite) or waits for a server (PostgreSQL): only
   * the time this thread is held counts towards a page's size.
   */
  readBlocks: boolean;
}

const FIRST_PAGE = 256;
const SMALLEST_PAGE = 64;
const LARGEST_PAGE = 16_384;

/** Of a slice, what a page aims at: the time per row varies, and a page runs over, not under. */
const PAGE_SHARE = 0.6;

/**
 * Page sizes from the time a row takes, smoothed over the pages so far (a page that met a cold
 * cache or a busy machine does not swing the next one), never growing more than half at once.
 */
function pageSizer() {
  let size = FIRST_PAGE;
  let msPerRow: number | undefined;
  return {
    get size() {
      return size;
    },
    /** A full page of `rows` held the thread for `heldMs`. */
    took(rows: number, heldMs: number) {
      const perRow = heldMs / rows;
      msPerRow = msPerRow === undefined ? perRow : 0.7 * msPerRow + 0.3 * perRow;
      const fitted = msPerRow > 0 ? Math.floor((SLICE_MS * PAGE_SHARE) / msPerRow) : size * 2;
      size = Math.max(SMALLEST_PAGE, Math.min(LARGEST_PAGE, Math.floor(size * 1.5), fitted));
    },
  };
}

/** Rows of a round in key order, a page at a time, each page sized to hold the thread briefly. */
function cursor<Row extends KeyedRow>(read: PageReader<Row>, options: PagingOptions) {
  let page: Row[] = [];
  let at = 0;
  let after = "";
  const sizer = pageSizer();
  let done = false;
  let heldSince = 0;
  return {
    /** The next page (after the event loop had a turn), or undefined at the end. */
    async nextPage(): Promise<Row[] | undefined> {
      if (done) return undefined;
      if (heldSince > 0) {
        sizer.took(page.length, performance.now() - heldSince);
        await yieldToEventLoop();
      }
      const size = sizer.size;
      const asked = performance.now();
      page = await read(after, size);
      heldSince = options.readBlocks ? asked : performance.now();
      at = 0;
      const last = page[page.length - 1];
      if (page.length < size || last === undefined) done = true;
      else after = last.respondent_key;
      return page.length > 0 ? page : undefined;
    },
    /** The next row, reading the next page when needed; undefined at the end. */
    async head(): Promise<Row | undefined> {
      if (at < page.length) return page[at];
      return (await this.nextPage())?.[0];
    },
    advance() {
      at++;
    },
  };
}

/** The tallies of a round's answers (see ResponseRepository.tallies), counted page by page. */
export async function tallyPages(
  read: PageReader<KeyedRow & { ratings: string }>,
  statementCount: number,
  options: PagingOptions,
): Promise<RoundCounts> {
  const tallies = emptyRoundCounts(statementCount);
  tallies.sales.respondents = undefined;
  tallies.marketing.respondents = undefined;
  const rows = cursor(read, options);
  let position = 0;
  for (let page = await rows.nextPage(); page; page = await rows.nextPage()) {
    for (const row of page) {
      const answer = { side: row.side, ratings: JSON.parse(row.ratings) as number[] };
      addAnswer(tallies, answer, ++position);
    }
  }
  return tallies;
}

/**
 * How many people answered only one of two rounds (see ResponseRepository.respondentChange): a
 * merge of the two rounds' keys, both in key order. A key in one round only differs for
 * Everyone; a key on a side in one round and not on it in the other, for that side.
 */
export async function respondentChangeOfPages(
  readPrevious: PageReader<KeyedRow>,
  readCurrent: PageReader<KeyedRow>,
  options: PagingOptions,
): Promise<Record<"everyone" | Side, number>> {
  const before = cursor(readPrevious, options);
  const now = cursor(readCurrent, options);
  const differing = { everyone: 0, sales: 0, marketing: 0 };
  let sliceStart = performance.now();
  let steps = 0;
  for (;;) {
    const a = await before.head();
    const b = await now.head();
    if (a === undefined && b === undefined) return differing;
    if (a !== undefined && (b === undefined || a.respondent_key < b.respondent_key)) {
      differing.everyone++;
      differing[a.side]++;
      before.advance();
    } else if (b !== undefined && (a === undefined || b.respondent_key < a.respondent_key)) {
      differing.everyone++;
      differing[b.side]++;
      now.advance();
    } else if (a !== undefined && b !== undefined) {
      if (a.side !== b.side) {
        differing[a.side]++;
        differing[b.side]++;
      }
      before.advance();
      now.advance();
    }
    // Pages yield as they are read; the merge between them yields every slice as well.
    if (++steps % 1024 === 0 && performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
}

/** Every key a round's pages hold, in key order (see ResponseRepository.respondentKeys). */
export async function keysOfPages(
  read: PageReader<KeyedRow>,
  options: PagingOptions,
): Promise<string[]> {
  const keys: string[] = [];
  const rows = cursor(read, options);
  for (let page = await rows.nextPage(); page; page = await rows.nextPage())
    for (const row of page) keys.push(row.respondent_key);
  return keys;
}
