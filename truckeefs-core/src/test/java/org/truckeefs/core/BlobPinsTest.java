package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.truckeefs.spi.BlobRef;

class BlobPinsTest {
  private final BlobPins pins = new BlobPins();
  private final BlobRef a = BlobRef.of("a".repeat(64));
  private final BlobRef b = BlobRef.of("b".repeat(64));

  @Test
  void aPinnedBlob_isNotReleased_untilEveryPinIsGone() throws Exception {
    pins.pin(a);
    pins.pin(a);
    assertThat(pins.beginRelease(a)).isFalse();
    pins.unpin(a);
    assertThat(pins.beginRelease(a)).as("one upload still pins it").isFalse();
    pins.unpin(a);
    assertThat(pins.beginRelease(a)).isTrue();
    pins.endRelease(a);
    assertThat(pins.size()).isZero();
  }

  @Test
  void aBlobBeingReleased_cannotBeReleasedTwice_andOtherBlobsAreUnaffected() throws Exception {
    assertThat(pins.beginRelease(a)).isTrue();
    assertThat(pins.beginRelease(a)).isFalse();
    pins.pin(b);
    assertThat(pins.size()).isEqualTo(2);
    pins.endRelease(a);
    pins.unpin(b);
    assertThat(pins.size()).isZero();
  }

  @Test
  void aPin_waitsWhileItsBlobIsReleased_thenGoesOn() throws Exception {
    assertThat(pins.beginRelease(a)).isTrue();
    CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
      try {
        pins.pin(a);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    pins.pin(b); // another blob is not held up
    pins.unpin(b);
    // the upload is still waiting: its put must not find the blob that is being deleted
    assertThat(upload).isNotDone();
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !upload.isDone());
    pins.endRelease(a);
    upload.get(10, TimeUnit.SECONDS);
    assertThat(pins.beginRelease(a)).as("the upload pins it now").isFalse();
    pins.unpin(a);
  }

  @Test
  void unbalancedCalls_fail() {
    assertThatThrownBy(() -> pins.unpin(a)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> pins.endRelease(a)).isInstanceOf(IllegalStateException.class);
  }
}
