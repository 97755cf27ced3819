package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.truckeefs.core.TestFs.*;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.OpenFlags;

class ConcurrencyTest {
  @TempDir Path tmp;

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void manyThreadsReadingAndWriting_sameAndDifferentFiles_noDeadlockNoTornReads() throws Exception {
    ControlledBlobStore blobs = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs")));
    TestFs t = new TestFs(tmp, blobs);
    try (RiverFS fs = RiverFS.open(t.config().maxConnections(3).build())) {
      byte[] committed = pattern(6 * CHUNK, 42);
      long c = createFile(fs, "committed");
      write(fs, c, 0, committed);
      fs.fsync(c, false);
      fs.release(c);
      InodeId committedId = lookup(fs, "committed").id();
      long s = createFile(fs, "shared");
      fs.release(s);
      InodeId sharedId = lookup(fs, "shared").id();
      int block = 4096;
      int blocks = 3 * CHUNK / block;

      ExecutorService pool = Executors.newFixedThreadPool(12);
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int seed = i;
        tasks.add(() -> { // readers of committed data, cache cold and warm
          Random rnd = new Random(seed);
          long h = fs.open(ROOT, committedId, OpenFlags.READ).handle();
          for (int k = 0; k < 300; k++) {
            int off = rnd.nextInt(committed.length - 1);
            int len = 1 + rnd.nextInt(Math.min(3 * block, committed.length - off));
            byte[] got = read(fs, h, off, len);
            for (int j = 0; j < len; j++) {
              if (got[j] != committed[off + j]) {
                throw new AssertionError("torn read of committed data at " + (off + j));
              }
            }
          }
          fs.release(h);
          return null;
        });
      }
      for (int i = 0; i < 4; i++) {
        int seed = 100 + i;
        tasks.add(() -> { // writers of the shared file: whole aligned blocks of one value
          Random rnd = new Random(seed);
          long h = fs.open(ROOT, sharedId, OpenFlags.READ_WRITE).handle();
          byte[] buf = new byte[block];
          for (int k = 0; k < 200; k++) {
            java.util.Arrays.fill(buf, (byte) (1 + rnd.nextInt(250)));
            fs.write(h, (long) rnd.nextInt(blocks) * block, ByteBuffer.wrap(buf));
            if (k % 50 == 0) {
              fs.flush(h);
            }
            if (k % 97 == 0) {
              fs.fsync(h, false);
            }
            byte[] got = read(fs, h, (long) rnd.nextInt(blocks) * block, block);
            for (byte b : got) {
              if (b != got[0]) {
                throw new AssertionError("torn block in the shared file");
              }
            }
          }
          fs.release(h);
          return null;
        });
      }
      for (int i = 0; i < 4; i++) {
        String name = "own" + i;
        int seed = 200 + i;
        tasks.add(() -> { // writers of their own files, verified after reopening
          byte[] data = pattern(2 * CHUNK + seed, seed);
          long h = createFile(fs, name);
          for (int off = 0; off < data.length; off += 10_000) {
            fs.write(h, off, ByteBuffer.wrap(data, off, Math.min(10_000, data.length - off)));
          }
          fs.release(h);
          long r = fs.open(ROOT, lookup(fs, name).id(), OpenFlags.READ).handle();
          assertThat(read(fs, r, 0, data.length)).isEqualTo(data);
          fs.release(r);
          return null;
        });
      }
      List<Future<Void>> results = pool.invokeAll(tasks);
      pool.shutdown();
      for (Future<Void> f : results) {
        f.get();
      }
      fs.syncAll();
      assertThat(fs.status().pendingUploads()).isZero();
      long h = fs.open(ROOT, sharedId, OpenFlags.READ).handle();
      byte[] all = read(fs, h, 0, blocks * block);
      for (int b = 0; b < all.length / block; b++) {
        for (int j = 1; j < block; j++) {
          assertThat(all[b * block + j]).isEqualTo(all[b * block]);
        }
      }
      fs.release(h);
    }
  }
}
