package org.truckeefs.api;

import java.time.Instant;

/**
 * A time to set with {@code utimensat(2)}: an explicit instant or "now" ({@code UTIME_NOW}). Leaving a time
 * unchanged ({@code UTIME_OMIT}) is a {@code null} TimeSpec in {@link SetAttr}.
 */
public record TimeSpec(Instant instant) {
  private static final TimeSpec NOW = new TimeSpec(null);

  /** {@code UTIME_NOW}: the filesystem's clock at the time of the call. */
  public static TimeSpec now() {
    return NOW;
  }

  public static TimeSpec at(Instant instant) {
    if (instant == null) {
      throw new IllegalArgumentException("instant");
    }
    return new TimeSpec(instant);
  }

  public boolean isNow() {
    return instant == null;
  }

  /** The instant this spec stands for, given the current time. */
  public Instant resolve(Instant now) {
    return instant == null ? now : instant;
  }
}
