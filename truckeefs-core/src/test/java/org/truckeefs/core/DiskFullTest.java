package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.truckeefs.core.TestFs.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.testkit.SmallDisk;

/**
 * A full disk is ENOSPC and survivable, on a real 8 MiB tmpfs holding the cache directory (the blob store lives on
 * the ordinary disk, as a remote store would): writes and close report ENOSPC, never EIO; clean chunks make room on
 * demand even with the default unlimited cache size; removing files makes writes work again without a remount; and a
 * fast writer below the dirty limit is slowed down, not failed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DiskFullTest {
  static final int DISK = 8 << 20;
  static final int MIB = 1 << 20;

  @TempDir Path tmp;
  Path disk;
  SmallDisk smallDisk;
  RiverFS fs;
  ControlledBlobStore blobs;

  @BeforeEach
  void mountSmallDisk() throws Exception {
    smallDisk = SmallDisk.mount(tmp.resolve("disk"), DISK);
    disk = smallDisk.dir();
    blobs = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs")));
  }

  @AfterEach
  void unmount() throws Exception {
    if (blobs != null && blobs.putGate != null) {
      blobs.putGate.release(10_000);
    }
    try {
      if (fs != null) {
        fs.close();
      }
    } finally {
      if (smallDisk != null) {
        smallDisk.close();
      }
    }
  }

  private RiverFS open(long dirtyLimit) throws FsException {
    TestFs t = new TestFs(tmp, blobs);
    fs = RiverFS.open(t.config().cacheDir(disk.resolve("cache")).freeSpaceFloor(0).dirtyLimit(dirtyLimit).build());
    return fs;
  }

  @Test
  void cleanChunksMakeRoomOnDemand_withTheDefaultUnlimitedCacheSize() throws Exception {
    open(64L * MIB);
    int files = 3 * DISK / MIB; // three times the disk, each file uploaded and kept as a clean chunk
    for (int i = 0; i < files; i++) {
      long h = createFile(fs, "f" + i);
      write(fs, h, 0, pattern(MIB, i));
      fs.fsync(h, false);
      fs.release(h);
    }
    for (int i = 0; i < files; i++) {
      long h = fs.open(ROOT, lookup(fs, "f" + i).id(), OpenFlags.READ).handle();
      assertThat(readAll(h, MIB)).as("file %d", i).isEqualTo(pattern(MIB, i));
      fs.release(h);
    }
  }

  @Test
  void aFullDiskIsEnospcForWriteAndClose_andRemovingFilesMakesItWorkAgain() throws Exception {
    open(64L * MIB);
    blobs.putGate = new Semaphore(0); // uploads stall: dirty data cannot leave the disk
    long h = createFile(fs, "big");
    long written = 0;
    FsException full = null;
    for (int i = 0; i < 2 * DISK / MIB && full == null; i++) {
      try {
        written += fs.write(h, written, ByteBuffer.wrap(pattern(MIB, i)));
      } catch (FsException e) {
        full = e;
      }
    }
    assertThat(full).as("a write past the end of the disk fails").isNotNull();
    assertThat(full.error()).isEqualTo(FsError.NO_SPACE);
    assertThat(written).isGreaterThan(DISK / 2).isLessThanOrEqualTo(DISK);
    assertThatThrownBy(() -> fs.release(h)).isInstanceOfSatisfying(FsException.class,
        e -> assertThat(e.error()).isEqualTo(FsError.NO_SPACE));

    fs.unlink(ROOT, InodeId.ROOT, n("big"));
    long h2 = createFile(fs, "after");
    write(fs, h2, 0, pattern(2 * MIB, 7));
    fs.release(h2);
    blobs.putGate.release(10_000);
    fs.syncfs();
    long r = fs.open(ROOT, lookup(fs, "after").id(), OpenFlags.READ).handle();
    assertThat(readAll(r, 2 * MIB)).isEqualTo(pattern(2 * MIB, 7));
    fs.release(r);
  }

  @Test
  void aFastWriterBelowTheDirtyLimitIsSlowedDown_notFailed() throws Exception {
    open(2L * MIB);
    int total = 3 * DISK; // far more than the disk: only uploads (and eviction of what they leave) make room
    long h = createFile(fs, "stream");
    for (int off = 0; off < total; off += MIB) {
      assertThat(fs.write(h, off, ByteBuffer.wrap(pattern(MIB, off / MIB)))).isEqualTo(MIB);
      assertThat(fs.cache().dirtyBytes()).isLessThanOrEqualTo(3L * MIB);
    }
    fs.fsync(h, false);
    fs.release(h);
    long r = fs.open(ROOT, lookup(fs, "stream").id(), OpenFlags.READ).handle();
    for (int off = 0; off < total; off += MIB) {
      assertThat(read(fs, r, off, MIB)).as("MiB %d", off / MIB).isEqualTo(pattern(MIB, off / MIB));
    }
    fs.release(r);
  }

  @Test
  void fsyncIsEnospcWhenTheBlobStoreIsFull_andTheDataStaysPendingUntilThereIsRoom() throws Exception {
    // here the small disk holds the blob store (embedded defaults keep blobs on the data dir's disk); the cache
    // lives on the ordinary disk, so only the upload, i.e. fsync, can meet the full disk
    Path filler = disk.resolve("filler");
    Files.write(filler, new byte[DISK - 2 * MIB]);
    blobs = new ControlledBlobStore(new LocalBlobStore(disk.resolve("blobs")));
    TestFs t = new TestFs(tmp, blobs);
    fs = RiverFS.open(t.config().freeSpaceFloor(0).dirtyLimit(64L * MIB).build());
    byte[] data = new byte[4 * MIB];
    new java.util.Random(3).nextBytes(data); // no two chunks alike: the blob store cannot deduplicate them
    long h = createFile(fs, "big");
    write(fs, h, 0, data);
    assertThatThrownBy(() -> fs.fsync(h, false)).isInstanceOfSatisfying(FsException.class,
        e -> assertThat(e.error()).as("fsync of data the blob store has no room for").isEqualTo(FsError.NO_SPACE));
    assertThatThrownBy(() -> fs.fsync(h, true)).as("fdatasync too").isInstanceOfSatisfying(FsException.class,
        e -> assertThat(e.error()).isEqualTo(FsError.NO_SPACE));

    Files.delete(filler); // an operator makes room: the same data is uploaded, nothing was dropped
    fs.fsync(h, false);
    fs.release(h);
    long r = fs.open(ROOT, lookup(fs, "big").id(), OpenFlags.READ).handle();
    assertThat(readAll(r, 4 * MIB)).isEqualTo(data);
    fs.release(r);
  }

  private byte[] readAll(long h, int len) throws FsException {
    return read(fs, h, 0, len);
  }

  static void ignore(IOException e) {}
}
