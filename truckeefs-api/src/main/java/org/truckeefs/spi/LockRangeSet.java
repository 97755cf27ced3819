package org.truckeefs.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;

/**
 * The POSIX record locks held on one file, as an immutable value: the range arithmetic of {@code fcntl(2)} (split,
 * merge, upgrade, downgrade, conflicts only between different owners) written once, so every {@link Coordinator}
 * only has to store this value atomically (in memory, or encoded in Redis).
 */
public final class LockRangeSet {
  /** One held range of lock owner {@code (session, owner)}; {@code range.pid()} is the process that set it. */
  public record Held(String session, long owner, LockRange range) {
    boolean ownedBy(String s, long o) {
      return owner == o && session.equals(s);
    }
  }

  private static final LockRangeSet EMPTY = new LockRangeSet(List.of());
  private static final Comparator<Held> ORDER =
      Comparator.comparingLong((Held h) -> h.range().start()).thenComparing(Held::session).thenComparingLong(Held::owner);

  private final List<Held> locks;

  private LockRangeSet(List<Held> locks) {
    this.locks = List.copyOf(locks);
  }

  public static LockRangeSet empty() {
    return EMPTY;
  }

  /** The held ranges, ordered by start. */
  public List<Held> locks() {
    return locks;
  }

  public boolean isEmpty() {
    return locks.isEmpty();
  }

  /** Sessions that hold at least one range here. */
  public Set<String> sessions() {
    Set<String> s = new LinkedHashSet<>();
    locks.forEach(h -> s.add(h.session()));
    return s;
  }

  /** The first range of another owner that conflicts with {@code range} (one of the two is a write lock). */
  public Optional<Held> conflict(String session, long owner, LockRange range) throws FsException {
    check(range);
    if (range.type() == LockRange.Type.UNLOCK) {
      return Optional.empty();
    }
    for (Held h : locks) {
      if (!h.ownedBy(session, owner)
          && h.range().overlaps(range)
          && (h.range().type() == LockRange.Type.WRITE || range.type() == LockRange.Type.WRITE)) {
        return Optional.of(h);
      }
    }
    return Optional.empty();
  }

  /**
   * The set after the owner sets {@code range} (or unlocks it): the owner's ranges inside it are replaced, ranges
   * that stick out are split, and adjacent ranges of the same type are merged. Conflicts are not checked here.
   */
  public LockRangeSet apply(String session, long owner, LockRange range) throws FsException {
    check(range);
    List<Held> others = new ArrayList<>();
    List<Held> mine = new ArrayList<>();
    for (Held h : locks) {
      if (!h.ownedBy(session, owner)) {
        others.add(h);
        continue;
      }
      LockRange r = h.range();
      if (!r.overlaps(range)) {
        mine.add(h);
        continue;
      }
      if (r.start() < range.start()) {
        mine.add(new Held(session, owner, new LockRange(r.type(), r.start(), range.start() - 1, r.pid())));
      }
      if (r.end() > range.end()) {
        mine.add(new Held(session, owner, new LockRange(r.type(), range.end() + 1, r.end(), r.pid())));
      }
    }
    if (range.type() != LockRange.Type.UNLOCK) {
      mine.add(new Held(session, owner, range));
    }
    mine.sort(ORDER);
    List<Held> merged = new ArrayList<>();
    for (Held h : mine) {
      Held last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
      if (last != null
          && last.range().type() == h.range().type()
          && (last.range().end() == Long.MAX_VALUE || last.range().end() + 1 >= h.range().start())) {
        LockRange l = last.range();
        merged.set(merged.size() - 1, new Held(session, owner,
            new LockRange(l.type(), l.start(), Math.max(l.end(), h.range().end()), h.range().pid())));
      } else {
        merged.add(h);
      }
    }
    others.addAll(merged);
    others.sort(ORDER);
    return new LockRangeSet(others);
  }

  /** The set without any range of {@code (session, owner)}. */
  public LockRangeSet withoutOwner(String session, long owner) {
    return filter(h -> !h.ownedBy(session, owner));
  }

  /** The set without the ranges of sessions for which {@code alive} is false (a dead host's locks). */
  public LockRangeSet retainSessions(Predicate<String> alive) {
    return filter(h -> alive.test(h.session()));
  }

  private LockRangeSet filter(Predicate<Held> keep) {
    List<Held> kept = locks.stream().filter(keep).toList();
    return kept.size() == locks.size() ? this : new LockRangeSet(kept);
  }

  /** One line per range: {@code session owner pid R|W start end}, separated by spaces. */
  public String encode() {
    StringBuilder b = new StringBuilder();
    for (Held h : locks) {
      LockRange r = h.range();
      b.append(h.session()).append(' ').append(h.owner()).append(' ').append(r.pid()).append(' ')
          .append(r.type() == LockRange.Type.WRITE ? 'W' : 'R').append(' ')
          .append(r.start()).append(' ').append(r.end()).append('\n');
    }
    return b.toString();
  }

  public static LockRangeSet decode(String encoded) throws FsException {
    if (encoded == null || encoded.isEmpty()) {
      return EMPTY;
    }
    List<Held> out = new ArrayList<>();
    try {
      for (String line : encoded.split("\n")) {
        if (line.isEmpty()) {
          continue;
        }
        String[] f = line.split(" ");
        LockRange.Type type = f[3].equals("W") ? LockRange.Type.WRITE : LockRange.Type.READ;
        out.add(new Held(f[0], Long.parseLong(f[1]),
            new LockRange(type, Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[2]))));
      }
    } catch (RuntimeException e) {
      throw new FsException(FsError.IO, "stored POSIX lock state is unreadable; release the file's locks and retry");
    }
    return new LockRangeSet(out);
  }

  private static void check(LockRange range) throws FsException {
    if (range.start() < 0 || range.end() < range.start()) {
      throw new FsException(FsError.INVALID,
          "lock range " + range.start() + ".." + range.end() + " is empty or negative");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LockRangeSet s && s.locks.equals(locks);
  }

  @Override
  public int hashCode() {
    return locks.hashCode();
  }

  @Override
  public String toString() {
    return "LockRangeSet" + locks;
  }
}
