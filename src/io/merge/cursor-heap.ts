// A binary min-heap of merge cursors by (current event number, input position): the input
// listed first wins a tie, so of an event found twice the copy from the earlier input is kept.

export interface HeapCursor {
  /** Event number of the cursor's current record. */
  readonly key: number;
  /** True once the cursor has no record left. */
  readonly done: boolean;
}

export class CursorHeap<C extends HeapCursor> {
  readonly #items: { cursor: C; rank: number }[] = [];

  push(cursor: C, rank: number): void {
    this.#items.push({ cursor, rank });
    this.#up(this.#items.length - 1);
  }

  get size(): number {
    return this.#items.length;
  }

  top(): C {
    return this.#items[0].cursor;
  }

  /** The smallest current event number among the cursors other than the top (Infinity: none). */
  nextKey(): number {
    const items = this.#items;
    let key = Infinity;
    if (items.length > 1) key = items[1].cursor.key;
    if (items.length > 2) key = Math.min(key, items[2].cursor.key);
    return key;
  }

  /** Re-places the top after its cursor advanced, or removes it when done. */
  fix(): void {
    if (this.#items[0].cursor.done) {
      const last = this.#items.pop()!;
      if (this.#items.length === 0) return;
      this.#items[0] = last;
    }
    this.#down(0);
  }

  #less(a: number, b: number): boolean {
    const x = this.#items[a];
    const y = this.#items[b];
    return x.cursor.key < y.cursor.key || (x.cursor.key === y.cursor.key && x.rank < y.rank);
  }

  #swap(a: number, b: number): void {
    const t = this.#items[a];
    this.#items[a] = this.#items[b];
    this.#items[b] = t;
  }

  #up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(i, p)) return;
      this.#swap(i, p);
      i = p;
    }
  }

  #down(i: number): void {
    const n = this.#items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.#less(l, m)) m = l;
      if (r < n && this.#less(r, m)) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }
}
