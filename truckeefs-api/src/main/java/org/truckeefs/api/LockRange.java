package org.truckeefs.api;

/**
 * A byte-range lock as {@code fcntl(F_GETLK/F_SETLK)} describes it.
 *
 * @param type {@link Type#READ}, {@link Type#WRITE} or {@link Type#UNLOCK}
 * @param start first byte
 * @param end last byte, inclusive; {@link Long#MAX_VALUE} for "to the end of the file"
 * @param pid the process that holds a conflicting lock (F_GETLK answers); 0 otherwise
 */
public record LockRange(Type type, long start, long end, long pid) {
  public enum Type { READ, WRITE, UNLOCK }

  public boolean overlaps(LockRange o) {
    return start <= o.end && o.start <= end;
  }
}
