package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.testkit.backup.SampleTree;

class MetadataDumpTest {
  @TempDir Path tmp;

  @Test
  void restoreRebuildsTheSameTreeAndEveryFileReadsBackIdentical() throws Exception {
    TestFs original = TestFs.local(tmp.resolve("a"));
    byte[] dump;
    Map<String, String> before;
    long dumped;
    try (RiverFS fs = original.open()) {
      SampleTree.build(fs, TestFs.CHUNK);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      List<Long> progress = new ArrayList<>();
      dumped = fs.dumpMetadata(out, progress::add);
      dump = out.toByteArray();
      before = SampleTree.describe(original.meta, fs);
      assertThat(progress).isNotEmpty().endsWith(dumped);
    }
    assertThat(new String(dump, StandardCharsets.UTF_8)).contains("\"format\":\"truckeefs-metadata-dump\"");

    TestFs restored = new TestFs(tmp.resolve("b"), original.blobs);
    long restoredCount = MetadataDump.restore(new ByteArrayInputStream(dump), restored.meta, null);
    assertThat(restoredCount).isEqualTo(dumped).isEqualTo(before.size() - 2); // two extra names of one inode
    try (RiverFS fs = restored.open()) {
      assertThat(SampleTree.describe(restored.meta, fs)).isEqualTo(before);
    }
    assertThat(restored.meta.liveBlobs(null, 1000)).containsExactlyInAnyOrderElementsOf(
        original.meta.liveBlobs(null, 1000));
  }

  @Test
  void blobReferenceCountsFollowTheRestoredChunkMaps() throws Exception {
    TestFs original = TestFs.local(tmp.resolve("a"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (RiverFS fs = original.open()) {
      SampleTree.build(fs, TestFs.CHUNK);
      fs.dumpMetadata(out, MetadataDump.Progress.NONE);
    }
    TestFs restored = new TestFs(tmp.resolve("b"), original.blobs);
    MetadataDump.restore(new ByteArrayInputStream(out.toByteArray()), restored.meta, null);
    List<BlobRef> live = restored.meta.liveBlobs(null, 1000);
    try (RiverFS fs = restored.open()) {
      // big.bin and other/same-content share their blobs; big.bin has three names
      InodeId docs = fs.lookup(Caller.ROOT, InodeId.ROOT, Name.of("docs")).id();
      InodeId other = fs.lookup(Caller.ROOT, InodeId.ROOT, Name.of("other")).id();
      fs.unlink(Caller.ROOT, docs, Name.of("big.bin"));
      fs.unlink(Caller.ROOT, InodeId.ROOT, Name.of("big-link-2"));
      fs.unlink(Caller.ROOT, other, Name.of("same-content"));
      assertThat(restored.meta.liveBlobs(null, 1000)).containsExactlyInAnyOrderElementsOf(live);
      fs.unlink(Caller.ROOT, other, Name.of("big-link"));
      assertThat(restored.meta.liveBlobs(null, 1000)).hasSizeLessThan(live.size());
      for (String f : List.of("sparse", "all-hole", "empty")) {
        fs.unlink(Caller.ROOT, InodeId.ROOT, Name.of(f));
      }
      InodeId a = fs.lookup(Caller.ROOT, docs, Name.of("a")).id();
      fs.unlink(Caller.ROOT, fs.lookup(Caller.ROOT, a, Name.of("b")).id(), Name.of("small.txt"));
    }
    assertThat(restored.meta.liveBlobs(null, 1000)).isEmpty();
  }

  @Test
  void restoreRefusesAStoreThatIsNotEmpty() throws Exception {
    TestFs original = TestFs.local(tmp.resolve("a"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (RiverFS fs = original.open()) {
      SampleTree.build(fs, TestFs.CHUNK);
      fs.dumpMetadata(out, null);
    }
    assertThatThrownBy(() -> MetadataDump.restore(new ByteArrayInputStream(out.toByteArray()), original.meta, null))
        .isInstanceOf(FsException.class)
        .satisfies(e -> assertThat(((FsException) e).error()).isEqualTo(FsError.EXISTS));
  }

  @Test
  void aDumpWaitsForNoChangeButChangesWaitForTheDump() throws Exception {
    TestFs t = TestFs.local(tmp);
    try (RiverFS fs = t.open()) {
      InodeId root = InodeId.ROOT;
      Thread[] writer = new Thread[1];
      boolean[] mkdirDone = new boolean[1];
      fs.dumpMetadata(new ByteArrayOutputStream() {
        private boolean started;

        @Override
        public synchronized void write(byte[] b, int off, int len) {
          if (!started) {
            started = true;
            writer[0] = new Thread(() -> {
              try {
                fs.mkdir(Caller.ROOT, root, Name.of("late"), 0755);
                mkdirDone[0] = true;
              } catch (FsException e) {
                throw new IllegalStateException(e);
              }
            });
            writer[0].start();
            try {
              writer[0].join(200);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            assertThat(writer[0].isAlive()).as("mkdir waits while the dump runs").isTrue();
          }
          super.write(b, off, len);
        }
      }, null);
      writer[0].join(5000);
      assertThat(mkdirDone[0]).isTrue();
    }
  }

  @Test
  void aMalformedDumpIsRefusedWithOneLine() {
    for (String bad : new String[] {"{\"format\":\"something-else\",\"root\":{}}", "{\"format\":\"truckeefs-metadata-dump\"}",
        "[1,2]", "{\"format\":\"truckeefs-metadata-dump\",\"version\":1,\"root\":{\"entries\":[]}}"}) {
      assertThatThrownBy(() -> MetadataDump.restore(new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8)),
          new InMemoryMetadataStore(java.time.Clock.systemUTC()), null))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.INVALID))
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }

  @Test
  void directoriesLargerThanOneReaddirPageRoundTrip() throws Exception {
    TestFs original = TestFs.local(tmp.resolve("a"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Map<String, String> before;
    try (RiverFS fs = original.open()) {
      InodeId dir = fs.mkdir(Caller.ROOT, InodeId.ROOT, Name.of("many"), 0755).id();
      for (int i = 0; i < 2100; i++) {
        fs.mknod(Caller.ROOT, dir, Name.of("n" + i), org.truckeefs.api.InodeType.FILE.modeBits() | 0644, 0);
      }
      fs.dumpMetadata(out, null);
      before = SampleTree.describe(original.meta, fs);
    }
    TestFs restored = new TestFs(tmp.resolve("b"), original.blobs);
    assertThat(MetadataDump.restore(new ByteArrayInputStream(out.toByteArray()), restored.meta, null))
        .isEqualTo(2102);
    try (RiverFS fs = restored.open()) {
      assertThat(SampleTree.describe(restored.meta, fs)).isEqualTo(before);
    }
  }
}
