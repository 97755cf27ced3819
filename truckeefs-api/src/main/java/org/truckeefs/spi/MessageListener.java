package org.truckeefs.spi;

/** Receives the messages published on a filesystem's channel ({@link Coordinator#subscribe}). */
public interface MessageListener {
  /** One message, as published. Runs on a coordinator thread: return quickly, never throw. */
  void onMessage(byte[] message);

  /**
   * Messages may have been lost (the connection to the server dropped and came back): whatever the subscriber
   * derived from them must be re-read. The default does nothing.
   */
  default void onGap() {}
}
