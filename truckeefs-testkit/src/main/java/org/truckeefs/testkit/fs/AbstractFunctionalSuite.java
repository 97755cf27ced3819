package org.truckeefs.testkit.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirListing;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.api.StatFs;
import org.truckeefs.api.TimeSpec;
import org.truckeefs.api.XattrMode;

/**
 * POSIX behaviour every {@link org.truckeefs.api.FileSystem} must show: the seed's functional list (file creation,
 * write, read, deletion, directory creation and deletion, subdirectories, listing, move, copy) and the finer points
 * (holes, truncate, open flags, links, rename flags, unlink while open, stable readdir cookies, xattrs, times,
 * ownership, statfs, access). An implementation's test extends this and supplies {@link #createFileSystem}.
 */
public abstract class AbstractFunctionalSuite extends FileSystemSuiteSupport {

  /**
   * How many blobs the filesystem's blob store holds now (counting files in a local blob directory is enough), for
   * the test that a deleted file's blobs are released. Every configuration answers: a test here never skips.
   */
  protected abstract long storedBlobCount() throws Exception;

  /** Gives background work (uploads, garbage collection) a chance to run, e.g. by advancing a fake clock. */
  protected void runBackgroundWork() throws Exception {}

  /** A size that spans several of the implementation's chunks; the default covers 4-8 MiB chunks. */
  protected int multiChunkSize() {
    return 17 * 1024 * 1024 + 123;
  }

  // ---- the seed's functional list

  @Test
  void fileCreation_makesAnEmptyFileWithTheCallersOwnershipAndMode() throws Exception {
    paths.mkdir("/shared", 0777);
    InodeAttributes a = paths.as(ALICE).createFile("/shared/new.txt", 0640);
    assertThat(a.type()).isEqualTo(InodeType.FILE);
    assertThat(a.size()).isZero();
    assertThat(a.nlink()).isEqualTo(1);
    assertThat(a.mode()).isEqualTo(0640);
    assertThat(a.uid()).isEqualTo(ALICE.uid());
    assertThat(a.gid()).isEqualTo(ALICE.gid());
    assertThat(paths.stat("/shared/new.txt")).isEqualTo(fs.getattr(a.id()));
    assertThat(paths.list("/shared")).containsExactly("new.txt");
  }

  @Test
  void fileWrite_growsTheFileAndReportsTheCount() throws Exception {
    long h = openRw("/f");
    byte[] data = bytes(1, 5000);
    int n = fs.write(h, 0, ByteBuffer.wrap(data));
    assertThat(n).isEqualTo(5000);
    assertThat(fs.getattr(id("/f")).size()).as("size seen before close").isEqualTo(5000);
    fs.flush(h);
    fs.release(h);
    assertThat(attr("/f").size()).isEqualTo(5000);
  }

  @Test
  void fileRead_returnsWhatWasWritten_atAnyOffset() throws Exception {
    byte[] data = bytes(2, 100_000);
    paths.write("/f", data);
    assertThat(content("/f")).isEqualTo(data);
    long h = open("/f", OpenFlags.READ).handle();
    assertThat(readAt(h, 12_345, 1000)).isEqualTo(Arrays.copyOfRange(data, 12_345, 13_345));
    assertThat(readAt(h, 99_990, 100)).isEqualTo(Arrays.copyOfRange(data, 99_990, 100_000));
    assertThat(fs.read(h, 100_000, ByteBuffer.allocate(10))).as("read at EOF").isZero();
    assertThat(fs.read(h, 200_000, ByteBuffer.allocate(10))).as("read past EOF").isZero();
    fs.release(h);
  }

  @Test
  void fileRead_seesWritesOfAnotherHandleOfTheSameFile() throws Exception {
    long w = openRw("/f");
    long r = open("/f", OpenFlags.READ).handle();
    writeAt(w, 0, "hello".getBytes());
    assertThat(readAt(r, 0, 10)).isEqualTo("hello".getBytes());
    fs.release(w);
    fs.release(r);
  }

  @Test
  void fileDeletion_removesTheNameAndTheInode() throws Exception {
    paths.write("/doomed", bytes(3, 10_000));
    InodeId doomed = id("/doomed");
    paths.delete("/doomed");
    assertThat(paths.exists("/doomed")).isFalse();
    assertThat(paths.list("/")).doesNotContain("doomed");
    assertErrno(FsError.NOT_FOUND, () -> fs.lookup(ROOT, fs.root(), name("doomed")));
    assertErrnoIn(List.of(FsError.NOT_FOUND, FsError.STALE), () -> fs.getattr(doomed));
  }

  @Test
  void fileDeletion_releasesTheBlobsOfItsContent() throws Exception {
    long before = storedBlobCount();
    long h = openRw("/doomed");
    writeAt(h, 0, bytes(4, 300_000));
    fs.fsync(h, false);
    fs.release(h);
    assertThat(storedBlobCount()).as("blobs after fsync").isGreaterThan(before);
    paths.delete("/doomed");
    Awaitility.await("background cleanup of the deleted file's blobs").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20)).pollInSameThread().untilAsserted(() -> {
          runBackgroundWork();
          assertThat(storedBlobCount()).as("blobs after deletion").isLessThanOrEqualTo(before);
        });
  }

  @Test
  void directoryCreation_makesAnEmptyDirectoryAndCountsItInItsParent() throws Exception {
    long rootLinks = attr("/").nlink();
    InodeAttributes d = paths.mkdir("/dir", 0750);
    assertThat(d.type()).isEqualTo(InodeType.DIRECTORY);
    assertThat(d.mode()).isEqualTo(0750);
    assertThat(d.nlink()).isEqualTo(2);
    assertThat(attr("/").nlink()).isEqualTo(rootLinks + 1);
    assertThat(paths.list("/dir")).isEmpty();
    assertThat(fs.lookup(ROOT, d.id(), Name.DOT).id()).isEqualTo(d.id());
    assertThat(fs.lookup(ROOT, d.id(), Name.DOT_DOT).id()).isEqualTo(fs.root());
  }

  @Test
  void directoryDeletion_removesItAndUncountsItInItsParent() throws Exception {
    long rootLinks = attr("/").nlink();
    paths.mkdir("/dir");
    paths.delete("/dir");
    assertThat(paths.exists("/dir")).isFalse();
    assertThat(attr("/").nlink()).isEqualTo(rootLinks);
  }

  @Test
  void subdirectoryCreation_nestsAndResolves() throws Exception {
    paths.mkdirs("/a/b/c/d/e");
    assertThat(paths.list("/a")).containsExactly("b");
    assertThat(paths.list("/a/b/c/d")).containsExactly("e");
    assertThat(attr("/a/b").nlink()).isEqualTo(3);
    paths.write("/a/b/c/d/e/leaf", "x".getBytes());
    assertThat(content("/a/b/c/d/e/leaf")).isEqualTo("x".getBytes());
    InodeId c = id("/a/b/c");
    assertThat(fs.lookup(ROOT, c, Name.DOT_DOT).id()).isEqualTo(id("/a/b"));
  }

  @Test
  void directoryListing_showsEveryEntryOnceWithItsType_andDotEntriesFirst() throws Exception {
    paths.mkdir("/d");
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      paths.createFile("/d/file" + i);
      expected.add("file" + i);
    }
    for (int i = 0; i < 10; i++) {
      paths.mkdir("/d/sub" + i);
      expected.add("sub" + i);
    }
    paths.symlink("file0", "/d/link");
    expected.add("link");

    InodeId d = id("/d");
    long h = fs.opendir(ROOT, d);
    List<DirEntry> all = new ArrayList<>();
    long cookie = 0;
    DirListing page;
    do {
      page = fs.readdir(h, cookie, 7);
      assertThat(page.entries().size()).isLessThanOrEqualTo(7);
      all.addAll(page.entries());
      if (!page.entries().isEmpty()) {
        cookie = page.entries().get(page.entries().size() - 1).cookie();
      }
    } while (!page.end());
    fs.releasedir(h);

    assertThat(all.get(0).name()).isEqualTo(Name.DOT);
    assertThat(all.get(0).inode()).isEqualTo(d);
    assertThat(all.get(1).name()).isEqualTo(Name.DOT_DOT);
    assertThat(all.get(1).inode()).isEqualTo(fs.root());
    List<String> names = all.stream().skip(2).map(e -> e.name().toString()).toList();
    assertThat(names).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
    for (DirEntry e : all.subList(2, all.size())) {
      InodeAttributes a = fs.getattr(e.inode());
      assertThat(e.type()).as("type of %s", e.name()).isEqualTo(a.type());
    }
    assertThat(all.stream().map(DirEntry::cookie).toList()).as("cookies increase").isSorted();
  }

  @Test
  void fileMove_keepsTheInodeAndContent_withinAndAcrossDirectories() throws Exception {
    byte[] data = bytes(5, 2000);
    paths.write("/a.txt", data);
    paths.mkdir("/dst");
    InodeId ino = id("/a.txt");
    paths.rename("/a.txt", "/b.txt");
    assertThat(paths.exists("/a.txt")).isFalse();
    assertThat(id("/b.txt")).isEqualTo(ino);
    paths.rename("/b.txt", "/dst/c.txt");
    assertThat(paths.list("/")).doesNotContain("b.txt");
    assertThat(id("/dst/c.txt")).isEqualTo(ino);
    assertThat(content("/dst/c.txt")).isEqualTo(data);
  }

  @Test
  void directoryMove_updatesDotDotAndLinkCounts() throws Exception {
    paths.mkdirs("/p1/moving/inner");
    paths.mkdir("/p2");
    paths.rename("/p1/moving", "/p2/moved");
    assertThat(attr("/p1").nlink()).isEqualTo(2);
    assertThat(attr("/p2").nlink()).isEqualTo(3);
    assertThat(fs.lookup(ROOT, id("/p2/moved"), Name.DOT_DOT).id()).isEqualTo(id("/p2"));
    assertThat(paths.list("/p2/moved")).containsExactly("inner");
  }

  @Test
  void fileCopy_duplicatesContentIntoAnIndependentFile() throws Exception {
    byte[] data = bytes(6, 300_000);
    paths.write("/orig", data);
    paths.chmod("/orig", 0600);
    InodeAttributes copy = paths.copy("/orig", "/copy");
    assertThat(copy.id()).isNotEqualTo(id("/orig"));
    assertThat(copy.size()).isEqualTo(data.length);
    assertThat(copy.mode()).isEqualTo(0600);
    assertThat(content("/copy")).isEqualTo(data);
    paths.write("/copy", "changed".getBytes());
    assertThat(content("/orig")).isEqualTo(data);
  }

  // ---- data path

  @Test
  void sparseFile_readsHolesAsZeros() throws Exception {
    long h = openRw("/sparse");
    int far = multiChunkSize();
    writeAt(h, 0, "head".getBytes());
    writeAt(h, far, "tail".getBytes());
    assertThat(fs.getattr(id("/sparse")).size()).isEqualTo(far + 4L);
    fs.release(h);
    byte[] all = content("/sparse");
    assertThat(all).hasSize(far + 4);
    assertThat(Arrays.copyOfRange(all, 0, 4)).isEqualTo("head".getBytes());
    assertThat(Arrays.copyOfRange(all, far, far + 4)).isEqualTo("tail".getBytes());
    for (int i = 4; i < far; i++) {
      if (all[i] != 0) {
        throw new AssertionError("hole byte " + i + " is " + all[i]);
      }
    }
  }

  @Test
  void largeFile_acrossChunks_readsBackAtEveryBoundary() throws Exception {
    int size = multiChunkSize();
    byte[] data = bytes(7, size);
    long h = openRw("/big");
    writeAt(h, 0, data);
    fs.fsync(h, false);
    fs.release(h);
    long r = open("/big", OpenFlags.READ).handle();
    for (int mib = 1; mib * (1 << 20) < size; mib++) {
      int at = mib * (1 << 20) - 50;
      assertThat(readAt(r, at, 100)).as("around %d MiB", mib)
          .isEqualTo(Arrays.copyOfRange(data, at, Math.min(at + 100, size)));
    }
    fs.release(r);
    assertThat(content("/big")).isEqualTo(data);
  }

  @Test
  void truncateDown_thenUp_readsZerosWhereDataWas() throws Exception {
    byte[] data = bytes(8, 10_000);
    paths.write("/t", data);
    assertThat(paths.truncate("/t", 100).size()).isEqualTo(100);
    assertThat(content("/t")).isEqualTo(Arrays.copyOf(data, 100));
    assertThat(paths.truncate("/t", 5000).size()).isEqualTo(5000);
    byte[] expected = new byte[5000];
    System.arraycopy(data, 0, expected, 0, 100);
    assertThat(content("/t")).isEqualTo(expected);
  }

  @Test
  void truncateUp_ofAnEmptyFile_makesAHole() throws Exception {
    paths.createFile("/hole");
    paths.truncate("/hole", 3 * 1024 * 1024);
    assertThat(content("/hole")).isEqualTo(new byte[3 * 1024 * 1024]);
  }

  @Test
  void ftruncate_throughAnOpenHandle_changesTheSizeSeenByReaders() throws Exception {
    long h = openRw("/ft");
    writeAt(h, 0, bytes(9, 4096));
    InodeAttributes a = fs.setattr(ROOT, id("/ft"), SetAttr.truncate(10), h);
    assertThat(a.size()).isEqualTo(10);
    assertThat(readAt(h, 0, 4096)).hasSize(10);
    fs.release(h);
    assertThat(attr("/ft").size()).isEqualTo(10);
  }

  @Test
  void overwriteInTheMiddle_keepsTheRest() throws Exception {
    byte[] data = bytes(10, 10_000);
    paths.write("/o", data);
    long h = open("/o", OpenFlags.WRITE).handle();
    writeAt(h, 5000, "XYZ".getBytes());
    fs.release(h);
    byte[] expected = data.clone();
    System.arraycopy("XYZ".getBytes(), 0, expected, 5000, 3);
    assertThat(content("/o")).isEqualTo(expected);
  }

  @Test
  void setattrRightAfterClose_isNotUndoneByTheWriteBack() throws Exception {
    paths.write("/wb", bytes(15, 300_000));
    InodeAttributes changed = paths.chmod("/wb", 0600);
    paths.setXattr("/wb", "user.k", "v".getBytes());
    Instant ctime = attr("/wb").ctime();
    long h = open("/wb", OpenFlags.READ).handle();
    fs.fsync(h, false); // the upload of the closed data is committed by now
    fs.release(h);
    InodeAttributes after = attr("/wb");
    assertThat(after.mode()).isEqualTo(changed.mode());
    assertThat(after.ctime()).as("ctime after the write-back").isAfterOrEqualTo(ctime);
    assertThat(after.size()).isEqualTo(300_000);
  }

  @Test
  void truncateRightAfterClose_isNotUndoneByTheWriteBack() throws Exception {
    paths.write("/wb", bytes(16, 300_000));
    paths.truncate("/wb", 10);
    long h = open("/wb", OpenFlags.READ).handle();
    fs.fsync(h, false);
    fs.release(h);
    assertThat(attr("/wb").size()).isEqualTo(10);
    assertThat(content("/wb")).isEqualTo(Arrays.copyOf(bytes(16, 300_000), 10));
  }

  // ---- open flags

  @Test
  void oAppend_writesAtTheEndWhateverTheOffset() throws Exception {
    paths.write("/log", "one,".getBytes());
    long h = open("/log", OpenFlags.WRITE.with(OpenFlags.O_APPEND)).handle();
    assertThat(fs.write(h, 0, ByteBuffer.wrap("two,".getBytes()))).isEqualTo(4);
    assertThat(fs.write(h, 1, ByteBuffer.wrap("three".getBytes()))).isEqualTo(5);
    fs.release(h);
    assertThat(new String(content("/log"))).isEqualTo("one,two,three");
    paths.append("/log", "!".getBytes());
    assertThat(new String(content("/log"))).isEqualTo("one,two,three!");
  }

  @Test
  void oExcl_createsOnlyANewFile() throws Exception {
    OpenResult r = fs.create(ROOT, fs.root(), name("x"), 0644,
        OpenFlags.WRITE.with(OpenFlags.O_CREAT | OpenFlags.O_EXCL));
    fs.release(r.handle());
    assertErrno(FsError.EXISTS, () -> fs.create(ROOT, fs.root(), name("x"), 0644,
        OpenFlags.WRITE.with(OpenFlags.O_CREAT | OpenFlags.O_EXCL)));
  }

  @Test
  void oCreat_withoutExcl_opensAnExistingFileWithoutTruncating() throws Exception {
    paths.write("/keep", "content".getBytes());
    OpenResult r = fs.create(ROOT, fs.root(), name("keep"), 0600, OpenFlags.READ_WRITE.with(OpenFlags.O_CREAT));
    assertThat(r.attributes().id()).isEqualTo(id("/keep"));
    assertThat(r.attributes().mode()).as("mode of an existing file is not changed").isEqualTo(0644);
    assertThat(readAt(r.handle(), 0, 100)).isEqualTo("content".getBytes());
    fs.release(r.handle());
  }

  @Test
  void oTrunc_emptiesAnExistingFile() throws Exception {
    paths.write("/tr", bytes(11, 5000));
    OpenResult r = fs.open(ROOT, id("/tr"), OpenFlags.WRITE.with(OpenFlags.O_TRUNC));
    assertThat(r.attributes().size()).isZero();
    fs.release(r.handle());
    assertThat(attr("/tr").size()).isZero();
    assertThat(content("/tr")).isEmpty();
  }

  // ---- links

  @Test
  void hardLinks_shareTheInodeAndCountNames() throws Exception {
    paths.write("/first", "shared".getBytes());
    paths.mkdir("/d");
    InodeAttributes l = paths.link("/first", "/d/second");
    assertThat(l.id()).isEqualTo(id("/first"));
    assertThat(l.nlink()).isEqualTo(2);
    assertThat(attr("/first").nlink()).isEqualTo(2);
    paths.write("/d/second", "changed".getBytes());
    assertThat(content("/first")).isEqualTo("changed".getBytes());
    paths.delete("/first");
    assertThat(attr("/d/second").nlink()).isEqualTo(1);
    assertThat(content("/d/second")).isEqualTo("changed".getBytes());
  }

  @Test
  void symlinks_storeTheirTargetAndResolve() throws Exception {
    paths.mkdir("/real");
    paths.write("/real/file", "through".getBytes());
    InodeAttributes s = paths.symlink("real/file", "/rel");
    assertThat(s.type()).isEqualTo(InodeType.SYMLINK);
    assertThat(s.size()).isEqualTo("real/file".length());
    assertThat(paths.readlink("/rel")).isEqualTo("real/file");
    assertThat(content("/rel")).isEqualTo("through".getBytes());
    paths.symlink("/real", "/abs");
    assertThat(content("/abs/file")).isEqualTo("through".getBytes());
    paths.symlink("does/not/exist", "/dangling");
    assertThat(paths.readlink("/dangling")).isEqualTo("does/not/exist");
    assertThat(paths.exists("/dangling")).isFalse();
  }

  @Test
  void mknod_createsAFifo() throws Exception {
    InodeAttributes f = fs.mknod(ROOT, fs.root(), name("pipe"), InodeType.FIFO.modeBits() | 0640, 0);
    assertThat(f.type()).isEqualTo(InodeType.FIFO);
    assertThat(f.mode()).isEqualTo(0640);
    assertThat(attr("/pipe").type()).isEqualTo(InodeType.FIFO);
    assertThat(paths.listEntries("/").get(0).type()).isEqualTo(InodeType.FIFO);
  }

  @Test
  void mknod_ofARegularFile_isAnEmptyFile() throws Exception {
    InodeAttributes f = fs.mknod(ROOT, fs.root(), name("plain"), InodeType.FILE.modeBits() | 0600, 0);
    assertThat(f.type()).isEqualTo(InodeType.FILE);
    assertThat(content("/plain")).isEmpty();
  }

  // ---- rename

  @Test
  void renameNoReplace_movesToAFreeName() throws Exception {
    paths.write("/src", "s".getBytes());
    paths.rename("/src", "/dst", RenameFlags.NOREPLACE);
    assertThat(content("/dst")).isEqualTo("s".getBytes());
    assertThat(paths.exists("/src")).isFalse();
  }

  @Test
  void renameExchange_swapsAFileAndADirectory() throws Exception {
    paths.write("/x", "file".getBytes());
    paths.mkdirs("/y/inner");
    InodeId x = id("/x");
    InodeId y = id("/y");
    paths.rename("/x", "/y", RenameFlags.EXCHANGE);
    assertThat(id("/x")).isEqualTo(y);
    assertThat(id("/y")).isEqualTo(x);
    assertThat(content("/y")).isEqualTo("file".getBytes());
    assertThat(paths.list("/x")).containsExactly("inner");
  }

  @Test
  void renameExchange_acrossDirectories_fixesDotDotAndLinkCounts() throws Exception {
    paths.mkdirs("/a/sub");
    paths.mkdir("/b");
    paths.write("/b/file", "f".getBytes());
    paths.rename("/a/sub", "/b/file", RenameFlags.EXCHANGE);
    assertThat(attr("/b/file").isDirectory()).isTrue();
    assertThat(attr("/a/sub").isFile()).isTrue();
    assertThat(fs.lookup(ROOT, id("/b/file"), Name.DOT_DOT).id()).isEqualTo(id("/b"));
    assertThat(attr("/a").nlink()).isEqualTo(2);
    assertThat(attr("/b").nlink()).isEqualTo(3);
  }

  @Test
  void renameOverAFile_replacesIt() throws Exception {
    paths.write("/new", "new".getBytes());
    paths.write("/old", "old".getBytes());
    InodeId n = id("/new");
    paths.rename("/new", "/old");
    assertThat(id("/old")).isEqualTo(n);
    assertThat(content("/old")).isEqualTo("new".getBytes());
    assertThat(paths.list("/")).containsExactly("old");
  }

  @Test
  void renameOverAnEmptyDirectory_replacesIt() throws Exception {
    paths.mkdirs("/src/child");
    paths.mkdir("/dst");
    long rootLinks = attr("/").nlink();
    InodeId s = id("/src");
    paths.rename("/src", "/dst");
    assertThat(id("/dst")).isEqualTo(s);
    assertThat(paths.list("/dst")).containsExactly("child");
    assertThat(attr("/").nlink()).isEqualTo(rootLinks - 1);
  }

  @Test
  void renameOfAHardLinkOntoItsTwin_changesNothing() throws Exception {
    paths.write("/one", "1".getBytes());
    paths.link("/one", "/two");
    paths.rename("/one", "/two");
    assertThat(paths.list("/")).containsExactlyInAnyOrder("one", "two");
    assertThat(attr("/two").nlink()).isEqualTo(2);
  }

  // ---- open files

  @Test
  void unlinkWhileOpen_keepsTheDataUntilTheLastClose() throws Exception {
    byte[] data = bytes(12, 200_000);
    paths.write("/ghost", data);
    InodeId ino = id("/ghost");
    long r = open("/ghost", OpenFlags.READ).handle();
    long w = open("/ghost", OpenFlags.READ_WRITE).handle();
    paths.delete("/ghost");
    assertThat(paths.exists("/ghost")).isFalse();
    assertThat(fs.getattr(ino).nlink()).as("nlink of an unlinked open file").isZero();
    assertThat(readAt(r, 0, data.length)).isEqualTo(data);
    writeAt(w, 0, "still writable".getBytes());
    fs.flush(w);
    assertThat(readAt(r, 0, 14)).isEqualTo("still writable".getBytes());
    fs.release(w);
    assertThat(readAt(r, 100_000, 10)).isEqualTo(Arrays.copyOfRange(data, 100_000, 100_010));
    fs.release(r);
    assertErrno(FsError.BAD_HANDLE, () -> fs.read(r, 0, ByteBuffer.allocate(1)));
    assertErrnoIn(List.of(FsError.NOT_FOUND, FsError.STALE), () -> fs.getattr(ino));
  }

  @Test
  void renameOverAnOpenFile_keepsTheReplacedDataReadableThroughItsHandle() throws Exception {
    paths.write("/victim", "victim".getBytes());
    paths.write("/winner", "winner".getBytes());
    long h = open("/victim", OpenFlags.READ).handle();
    paths.rename("/winner", "/victim");
    assertThat(readAt(h, 0, 100)).isEqualTo("victim".getBytes());
    fs.release(h);
    assertThat(content("/victim")).isEqualTo("winner".getBytes());
  }

  @Test
  void readdirCookies_stayValidWhileTheDirectoryChanges() throws Exception {
    paths.mkdir("/d");
    Set<String> initial = new HashSet<>();
    for (int i = 0; i < 120; i++) {
      paths.createFile("/d/f" + i);
      initial.add("f" + i);
    }
    InodeId d = id("/d");
    long h = fs.opendir(ROOT, d);
    List<String> seen = new ArrayList<>();
    Set<String> removed = new HashSet<>();
    long cookie = 0;
    int round = 0;
    DirListing page;
    do {
      page = fs.readdir(h, cookie, 9);
      for (DirEntry e : page.entries()) {
        seen.add(e.name().toString());
        cookie = e.cookie();
      }
      // Between pages: remove two names (one already listed, one maybe not), add three new ones.
      round++;
      for (String victim : List.of("f" + (round * 7 % 120), "f" + ((round * 13 + 60) % 120))) {
        if (removed.add(victim)) {
          paths.delete("/d/" + victim);
        }
      }
      for (int k = 0; k < 3; k++) {
        paths.createFile("/d/new" + round + "_" + k);
      }
    } while (!page.end());
    fs.releasedir(h);

    Map<String, Integer> counts = new HashMap<>();
    for (String s : seen) {
      counts.merge(s, 1, Integer::sum);
    }
    counts.forEach((n, c) -> assertThat(c).as("times %s was listed", n).isEqualTo(1));
    for (String n : initial) {
      if (!removed.contains(n)) {
        assertThat(seen).as("entry present for the whole listing").contains(n);
      }
    }
    assertThat(seen).contains(".", "..");
  }

  // ---- attributes

  @Test
  void xattrs_setGetListRemove_withCreateAndReplaceModes() throws Exception {
    paths.createFile("/x");
    paths.setXattr("/x", "user.color", "blue".getBytes(), XattrMode.CREATE);
    paths.setXattr("/x", "user.size", new byte[0]);
    assertThat(paths.getXattr("/x", "user.color")).isEqualTo("blue".getBytes());
    assertThat(paths.getXattr("/x", "user.size")).isEmpty();
    assertThat(paths.listXattr("/x")).containsExactlyInAnyOrder("user.color", "user.size");
    paths.setXattr("/x", "user.color", "red".getBytes(), XattrMode.REPLACE);
    assertThat(paths.getXattr("/x", "user.color")).isEqualTo("red".getBytes());
    assertErrno(FsError.EXISTS, () -> paths.setXattr("/x", "user.color", "x".getBytes(), XattrMode.CREATE));
    assertErrno(FsError.NO_DATA, () -> paths.setXattr("/x", "user.none", "x".getBytes(), XattrMode.REPLACE));
    paths.removeXattr("/x", "user.color");
    assertThat(paths.listXattr("/x")).containsExactly("user.size");
    assertErrno(FsError.NO_DATA, () -> paths.getXattr("/x", "user.color"));
  }

  @Test
  void xattrs_binaryValuesRoundTrip_onDirectoriesToo() throws Exception {
    paths.mkdir("/d");
    byte[] value = bytes(13, 3000);
    paths.setXattr("/d", "user.blob", value);
    assertThat(paths.getXattr("/d", "user.blob")).isEqualTo(value);
  }

  @Test
  void utimens_explicitNowAndOmit() throws Exception {
    paths.createFile("/t");
    Instant a1 = Instant.parse("2001-02-03T04:05:06Z");
    Instant m1 = Instant.parse("2002-03-04T05:06:07Z");
    InodeAttributes s = paths.setTimes("/t", TimeSpec.at(a1), TimeSpec.at(m1));
    assertThat(s.atime()).isEqualTo(a1);
    assertThat(s.mtime()).isEqualTo(m1);

    Instant before = clock().instant().truncatedTo(ChronoUnit.SECONDS);
    s = paths.setTimes("/t", null, TimeSpec.now());
    Instant after = clock().instant().plusSeconds(1);
    assertThat(s.atime()).as("omitted atime").isEqualTo(a1);
    assertThat(s.mtime()).as("mtime set to now").isBetween(before, after);

    s = paths.setTimes("/t", TimeSpec.now(), null);
    assertThat(s.atime()).isBetween(before, after);
    assertThat(attr("/t").atime()).isBetween(before, after);
  }

  @Test
  void write_movesMtimeForward() throws Exception {
    paths.createFile("/m");
    paths.setTimes("/m", TimeSpec.at(Instant.parse("2000-01-01T00:00:00Z")), TimeSpec.at(Instant.parse("2000-01-01T00:00:00Z")));
    paths.write("/m", "x".getBytes());
    assertThat(attr("/m").mtime()).isAfter(Instant.parse("2000-01-01T00:00:00Z"));
  }

  @Test
  void chmodAndChown_changeModeAndOwnership() throws Exception {
    paths.createFile("/f");
    Instant ctime = attr("/f").ctime();
    assertThat(paths.chmod("/f", 04711).mode()).isEqualTo(04711);
    InodeAttributes a = paths.chown("/f", 1000, 2000);
    assertThat(a.uid()).isEqualTo(1000);
    assertThat(a.gid()).isEqualTo(2000);
    assertThat(a.ctime()).isAfterOrEqualTo(ctime);
    assertThat(paths.chown("/f", null, 3000).uid()).as("uid left alone").isEqualTo(1000);
    assertThat(attr("/f").gid()).isEqualTo(3000);
  }

  @Test
  void chmod_byTheOwner_isAllowed() throws Exception {
    paths.mkdir("/home", 0777);
    PathFileSystem alice = paths.as(ALICE);
    alice.createFile("/home/mine", 0600);
    assertThat(alice.chmod("/home/mine", 0644).mode()).isEqualTo(0644);
  }

  @Test
  void chown_toAGroupTheOwnerBelongsTo_isAllowedForTheOwner() throws Exception {
    paths.mkdir("/home", 0777);
    PathFileSystem alice = paths.as(org.truckeefs.api.Caller.of(1000, 1000, 4242));
    alice.createFile("/home/mine");
    assertThat(alice.chown("/home/mine", null, 4242).gid()).isEqualTo(4242);
  }

  @Test
  void statfs_reportsSaneNumbers() throws Exception {
    StatFs s = paths.statfs();
    assertThat(s.blockSize()).isPositive();
    assertThat(s.totalBlocks()).isPositive();
    assertThat(s.freeBlocks()).isBetween(0L, s.totalBlocks());
    assertThat(s.availableBlocks()).isBetween(0L, s.freeBlocks());
    assertThat(s.freeInodes()).isBetween(0L, s.totalInodes());
    assertThat(s.maxNameLength()).isEqualTo(Name.MAX_BYTES);
  }

  @Test
  void access_followsModeBitsForUsersAndLetsRootRead() throws Exception {
    paths.write("/pub", "x".getBytes());
    paths.chmod("/pub", 0644);
    paths.access("/pub", 0);
    paths.access("/pub", 4 | 2);
    paths.as(ALICE).access("/pub", 4);
    assertErrno(FsError.ACCESS_DENIED, () -> paths.as(ALICE).access("/pub", 2));
    assertErrno(FsError.ACCESS_DENIED, () -> paths.access("/pub", 1));
    paths.chmod("/pub", 0744);
    paths.access("/pub", 1);
  }

  @Test
  void groupPermissions_applyToSupplementaryGroups() throws Exception {
    paths.write("/grp", "g".getBytes());
    paths.chown("/grp", 0, 500);
    paths.chmod("/grp", 0640);
    PathFileSystem member = paths.as(org.truckeefs.api.Caller.of(1000, 1000, 500));
    assertThat(member.readAllBytes("/grp")).isEqualTo("g".getBytes());
    assertErrno(FsError.ACCESS_DENIED, () -> paths.as(ALICE).readAllBytes("/grp"));
  }

  // ---- restart

  @Test
  void closedData_survivesARestart() throws Exception {
    paths.mkdirs("/keep/deep");
    byte[] data = bytes(14, 123_456);
    paths.write("/keep/deep/file", data);
    paths.symlink("deep/file", "/keep/link");
    paths.setXattr("/keep/deep/file", "user.k", "v".getBytes());
    InodeId ino = id("/keep/deep/file");
    restart();
    assertThat(id("/keep/deep/file")).isEqualTo(ino);
    assertThat(content("/keep/link")).isEqualTo(data);
    assertThat(paths.getXattr("/keep/deep/file", "user.k")).isEqualTo("v".getBytes());
  }
}
