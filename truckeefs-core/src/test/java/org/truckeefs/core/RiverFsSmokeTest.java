package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.truckeefs.core.TestFs.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeId;

class RiverFsSmokeTest {
  @TempDir Path tmp;

  @Test
  void writeCloseReopenRead_roundTripsThroughTheBlobStore() throws Exception {
    TestFs t = TestFs.local(tmp);
    byte[] data = pattern(3 * CHUNK + 123, 7);
    try (RiverFS fs = t.open()) {
      long h = createFile(fs, "a");
      write(fs, h, 0, data);
      fs.fsync(h, false);
      fs.release(h);
      assertThat(lookup(fs, "a").size()).isEqualTo(data.length);
    }
    assertThat(t.meta.chunks(t.meta.lookup(InodeId.ROOT, n("a")).orElseThrow().inode())).hasSize(4);
    TestFs.deleteQuietly(tmp.resolve("cache"));
    try (RiverFS fs = t.open()) {
      InodeId id = lookup(fs, "a").id();
      long h = fs.open(ROOT, id, org.truckeefs.api.OpenFlags.READ).handle();
      assertThat(read(fs, h, 0, data.length + 10)).isEqualTo(data);
      fs.release(h);
    }
  }
}
