package org.truckeefs.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The byte ranges of one chunk that this host wrote in one layer, as disjoint, merged {@code [start, end)} pairs.
 * A commit that lost the race against another host re-applies exactly these bytes on top of the newer content.
 * Not thread-safe: guarded by the owning file's lock.
 */
final class ByteRanges {
  private final TreeMap<Long, Long> ranges = new TreeMap<>();

  static ByteRanges of(List<long[]> pairs) {
    ByteRanges r = new ByteRanges();
    for (long[] p : pairs) {
      r.add(p[0], p[1]);
    }
    return r;
  }

  void add(long start, long end) {
    if (end <= start) {
      return;
    }
    long s = start;
    long e = end;
    Map.Entry<Long, Long> before = ranges.floorEntry(s);
    if (before != null && before.getValue() >= s) {
      s = before.getKey();
      e = Math.max(e, before.getValue());
    }
    for (Map.Entry<Long, Long> next = ranges.ceilingEntry(s); next != null && next.getKey() <= e;
        next = ranges.ceilingEntry(s)) {
      e = Math.max(e, next.getValue());
      ranges.remove(next.getKey());
    }
    ranges.put(s, e);
  }

  /** Forgets everything at or past {@code limit} (a truncation inside the chunk). */
  void trimTo(long limit) {
    ranges.tailMap(limit, true).clear();
    Map.Entry<Long, Long> last = ranges.lastEntry();
    if (last != null && last.getValue() > limit) {
      ranges.put(last.getKey(), limit);
    }
  }

  /** The end of the range that holds {@code pos}, or {@code pos} when none does. */
  long runEnd(long pos) {
    Map.Entry<Long, Long> r = ranges.floorEntry(pos);
    return r != null && r.getValue() > pos ? r.getValue() : pos;
  }

  /** The end of the last range, 0 when empty. */
  long end() {
    return ranges.isEmpty() ? 0 : ranges.lastEntry().getValue();
  }

  List<long[]> pairs() {
    List<long[]> out = new ArrayList<>(ranges.size());
    ranges.forEach((s, e) -> out.add(new long[] {s, e}));
    return out;
  }

  ByteRanges copy() {
    ByteRanges r = new ByteRanges();
    r.ranges.putAll(ranges);
    return r;
  }

  @Override
  public String toString() {
    return ranges.toString();
  }
}
