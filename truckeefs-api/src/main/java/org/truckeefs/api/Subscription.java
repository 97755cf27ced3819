package org.truckeefs.api;

/** A registration that ends when closed; closing twice is harmless. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  Subscription NONE = () -> {};

  @Override
  void close();
}
