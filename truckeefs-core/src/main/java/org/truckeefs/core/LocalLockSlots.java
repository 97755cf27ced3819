package org.truckeefs.core;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Per-key monitor objects that exist only while someone holds or waits on them, so a table of millions of inodes
 * does not grow without bound. Each {@link #use} is paired with one {@link #unuse}; the count lives under the
 * map's bin lock, never under the slot's own monitor, so the two locks are always taken in the same order.
 */
final class LocalLockSlots<T extends LocalLockSlots.Slot> {
  /** Base of a slot: the number of current users (holders and waiters). */
  abstract static class Slot {
    int users;
  }

  private final ConcurrentHashMap<String, T> slots = new ConcurrentHashMap<>();
  private final Supplier<T> factory;

  LocalLockSlots(Supplier<T> factory) {
    this.factory = factory;
  }

  T use(String key) {
    return slots.compute(key, (k, cur) -> {
      T s = cur == null ? factory.get() : cur;
      s.users++;
      return s;
    });
  }

  void unuse(String key, T slot) {
    slots.computeIfPresent(key, (k, cur) -> {
      if (cur != slot) {
        return cur;
      }
      return --cur.users == 0 ? null : cur;
    });
  }

  /** Visits every slot that exists now (used to drop a dead session's state). */
  void forEach(BiConsumer<String, T> action) {
    slots.forEach(action);
  }

  int size() {
    return slots.size();
  }
}
