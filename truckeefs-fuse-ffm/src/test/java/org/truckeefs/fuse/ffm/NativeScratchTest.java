package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class NativeScratchTest {

  private static long firstBufferSizeOnANewThread() throws InterruptedException {
    AtomicLong size = new AtomicLong();
    Thread t = new Thread(() -> size.set(Native.scratch().bufferSize()));
    t.start();
    t.join();
    return size.get();
  }

  @Test
  void workerThreadsTakePreparedScratches_thenMakeTheirOwn() throws InterruptedException {
    Native.prepareScratch(2, 512 * 1024);
    assertThat(firstBufferSizeOnANewThread()).isEqualTo(512 * 1024);
    assertThat(firstBufferSizeOnANewThread()).isEqualTo(512 * 1024);
    assertThat(firstBufferSizeOnANewThread()).isEqualTo(64 * 1024); // none left: a small one, grown on demand
  }

  @Test
  void aScratchBufferGrowsToWhatAReplyNeeds() {
    Native.Scratch s = new Native.Scratch(64 * 1024);
    assertThat(s.buffer(100_000).byteSize()).isGreaterThanOrEqualTo(100_000);
    byte[] staging = s.staging(300_000);
    staging[299_999] = 7;
    assertThat(s.copyOut(300_000).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 299_999)).isEqualTo((byte) 7);
  }
}
