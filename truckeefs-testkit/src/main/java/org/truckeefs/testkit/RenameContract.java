package org.truckeefs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsError;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.spi.RenameResult;

/**
 * {@code rename} in all its forms (plain, {@code NOREPLACE}, {@code EXCHANGE}, across directories, over existing
 * entries): what it moves, what it replaces and orphans, and the errors that leave the namespace unchanged.
 */
abstract class RenameContract extends MetadataStoreContract {
  @Test
  void rename_fileWithinDirectory_movesTheName() throws Exception {
    InodeId f = touch(work, "a").id();
    Instant t = later();
    RenameResult r = store.rename(work, n("a"), work, n("b"), RenameFlags.NONE, t);
    assertThat(r.moved().id()).isEqualTo(f);
    assertThat(r.moved().ctime()).isEqualTo(t);
    assertThat(r.replaced()).isNull();
    assertThat(names(work)).containsExactly("b");
    InodeAttributes p = store.getAttributes(work);
    assertThat(p.size()).isEqualTo(1);
    assertThat(p.mtime()).isEqualTo(t);
    assertThat(p.ctime()).isEqualTo(t);
  }

  @Test
  void rename_fileAcrossDirectories_updatesBothParents() throws Exception {
    InodeId a = mkdir(work, "a").id();
    InodeId b = mkdir(work, "b").id();
    InodeId f = touch(a, "f").id();
    Instant t = later();
    store.rename(a, n("f"), b, n("g"), RenameFlags.NONE, t);
    assertThat(store.lookup(a, n("f"))).isEmpty();
    assertThat(inodeOf(b, "g")).isEqualTo(f);
    assertThat(store.getAttributes(a).size()).isZero();
    assertThat(store.getAttributes(b).size()).isEqualTo(1);
    assertThat(store.getAttributes(a).mtime()).isEqualTo(t);
    assertThat(store.getAttributes(b).mtime()).isEqualTo(t);
    assertThat(store.getAttributes(f).nlink()).isEqualTo(1);
  }

  @Test
  void rename_overExistingFile_replacesIt_andReturnsTheOrphan() throws Exception {
    InodeId src = touch(work, "src").id();
    InodeId dst = touch(work, "dst").id();
    RenameResult r = store.rename(work, n("src"), work, n("dst"), RenameFlags.NONE, later());
    assertThat(r.moved().id()).isEqualTo(src);
    assertThat(r.replaced().id()).isEqualTo(dst);
    assertThat(r.replaced().nlink()).isZero();
    assertThat(inodeOf(work, "dst")).isEqualTo(src);
    assertThat(names(work)).containsExactly("dst");
    assertThat(store.orphans()).contains(dst);
    assertThat(store.getAttributes(work).size()).isEqualTo(1);
  }

  @Test
  void rename_overFileWithAnotherName_leavesItLinked() throws Exception {
    touch(work, "src");
    InodeId dst = touch(work, "dst").id();
    store.link(dst, work, n("other"), later());
    RenameResult r = store.rename(work, n("src"), work, n("dst"), RenameFlags.NONE, later());
    assertThat(r.replaced().nlink()).isEqualTo(1);
    assertThat(inodeOf(work, "other")).isEqualTo(dst);
  }

  @Test
  void rename_directoryOverEmptyDirectory_replacesIt() throws Exception {
    InodeId a = mkdir(work, "a").id();
    InodeId sub = mkdir(a, "src").id();
    InodeId b = mkdir(work, "b").id();
    InodeId empty = mkdir(b, "dst").id();
    RenameResult r = store.rename(a, n("src"), b, n("dst"), RenameFlags.NONE, later());
    assertThat(r.replaced().id()).isEqualTo(empty);
    assertThat(r.replaced().nlink()).isZero();
    assertThat(inodeOf(b, "dst")).isEqualTo(sub);
    assertThat(store.parentOf(sub)).isEqualTo(b);
    assertThat(store.getAttributes(a).nlink()).isEqualTo(2);
    assertThat(store.getAttributes(b).nlink()).isEqualTo(3);
    assertDirectoryConsistent(a);
    assertDirectoryConsistent(b);
  }

  @Test
  void rename_directoryOverNonEmptyDirectory_isENOTEMPTY() throws Exception {
    mkdir(work, "src");
    InodeId dst = mkdir(work, "dst").id();
    touch(dst, "f");
    assertError(FsError.NOT_EMPTY, () -> store.rename(work, n("src"), work, n("dst"), RenameFlags.NONE, later()));
    assertThat(names(work)).containsExactlyInAnyOrder("src", "dst");
  }

  @Test
  void rename_directoryOverFile_isENOTDIR_andFileOverDirectory_isEISDIR() throws Exception {
    mkdir(work, "d");
    touch(work, "f");
    assertError(FsError.NOT_DIRECTORY, () -> store.rename(work, n("d"), work, n("f"), RenameFlags.NONE, later()));
    assertError(FsError.IS_DIRECTORY, () -> store.rename(work, n("f"), work, n("d"), RenameFlags.NONE, later()));
    assertDirectoryConsistent(work);
    assertThat(names(work)).containsExactlyInAnyOrder("d", "f");
  }

  @Test
  void rename_missingSource_isENOENT() throws Exception {
    assertError(FsError.NOT_FOUND, () -> store.rename(work, n("none"), work, n("x"), RenameFlags.NONE, later()));
  }

  @Test
  void rename_intoMissingOrNonDirectory_fails() throws Exception {
    InodeId f = touch(work, "f").id();
    assertError(FsError.NOT_DIRECTORY, () -> store.rename(work, n("f"), f, n("x"), RenameFlags.NONE, later()));
    assertError(FsError.NOT_FOUND,
        () -> store.rename(work, n("f"), InodeId.of(Long.MAX_VALUE / 2), n("x"), RenameFlags.NONE, later()));
    assertThat(inodeOf(work, "f")).isEqualTo(f);
  }

  @Test
  void rename_noReplace_ontoExistingName_isEEXIST_andOntoFreeName_moves() throws Exception {
    InodeId a = touch(work, "a").id();
    InodeId b = touch(work, "b").id();
    assertError(FsError.EXISTS, () -> store.rename(work, n("a"), work, n("b"), RenameFlags.NOREPLACE, later()));
    assertThat(inodeOf(work, "a")).isEqualTo(a);
    assertThat(inodeOf(work, "b")).isEqualTo(b);
    store.rename(work, n("a"), work, n("c"), RenameFlags.NOREPLACE, later());
    assertThat(inodeOf(work, "c")).isEqualTo(a);
  }

  @Test
  void rename_exchange_swapsTwoFilesInOneDirectory() throws Exception {
    InodeId a = touch(work, "a").id();
    InodeId b = touch(work, "b").id();
    RenameResult r = store.rename(work, n("a"), work, n("b"), RenameFlags.EXCHANGE, later());
    assertThat(r.replaced()).isNull();
    assertThat(r.moved().id()).isEqualTo(a);
    assertThat(inodeOf(work, "a")).isEqualTo(b);
    assertThat(inodeOf(work, "b")).isEqualTo(a);
    assertThat(store.getAttributes(a).nlink()).isEqualTo(1);
    assertThat(store.getAttributes(b).nlink()).isEqualTo(1);
    assertDirectoryConsistent(work);
  }

  @Test
  void rename_exchange_directoryAndFileAcrossDirectories_movesLinksAndParents() throws Exception {
    InodeId x = mkdir(work, "x").id();
    InodeId y = mkdir(work, "y").id();
    InodeId dir = mkdir(x, "d").id();
    touch(dir, "inside");
    InodeId file = touch(y, "f").id();
    Instant t = later();
    store.rename(x, n("d"), y, n("f"), RenameFlags.EXCHANGE, t);
    assertThat(inodeOf(x, "d")).isEqualTo(file);
    assertThat(inodeOf(y, "f")).isEqualTo(dir);
    assertThat(store.lookup(x, n("d")).orElseThrow().type()).isEqualTo(InodeType.FILE);
    assertThat(store.lookup(y, n("f")).orElseThrow().type()).isEqualTo(InodeType.DIRECTORY);
    assertThat(store.parentOf(dir)).isEqualTo(y);
    assertThat(store.getAttributes(x).nlink()).isEqualTo(2);
    assertThat(store.getAttributes(y).nlink()).isEqualTo(3);
    assertThat(store.getAttributes(dir).ctime()).isEqualTo(t);
    assertThat(store.getAttributes(file).ctime()).isEqualTo(t);
    assertThat(names(dir)).containsExactly("inside");
    assertDirectoryConsistent(x);
    assertDirectoryConsistent(y);
  }

  @Test
  void rename_exchange_twoDirectoriesAcrossDirectories_swapsParents() throws Exception {
    InodeId x = mkdir(work, "x").id();
    InodeId y = mkdir(work, "y").id();
    InodeId dx = mkdir(x, "dx").id();
    InodeId dy = mkdir(y, "dy").id();
    store.rename(x, n("dx"), y, n("dy"), RenameFlags.EXCHANGE, later());
    assertThat(store.parentOf(dx)).isEqualTo(y);
    assertThat(store.parentOf(dy)).isEqualTo(x);
    assertThat(store.getAttributes(x).nlink()).isEqualTo(3);
    assertThat(store.getAttributes(y).nlink()).isEqualTo(3);
    assertDirectoryConsistent(x);
    assertDirectoryConsistent(y);
  }

  @Test
  void rename_exchange_withMissingTarget_isENOENT() throws Exception {
    InodeId a = touch(work, "a").id();
    assertError(FsError.NOT_FOUND, () -> store.rename(work, n("a"), work, n("none"), RenameFlags.EXCHANGE, later()));
    assertThat(inodeOf(work, "a")).isEqualTo(a);
    assertThat(store.lookup(work, n("none"))).isEmpty();
  }

  @Test
  void rename_exchange_thatMovesADirectoryIntoItself_isEINVAL() throws Exception {
    InodeId a = mkdir(work, "a").id();
    InodeId b = mkdir(a, "b").id();
    touch(b, "c");
    assertError(FsError.INVALID, () -> store.rename(work, n("a"), b, n("c"), RenameFlags.EXCHANGE, later()));
    assertThat(inodeOf(work, "a")).isEqualTo(a);
    assertThat(store.parentOf(a)).isEqualTo(work);
  }

  @Test
  void rename_ontoAnotherNameOfTheSameInode_changesNothing() throws Exception {
    InodeId f = touch(work, "a").id();
    store.link(f, work, n("b"), later());
    InodeAttributes dirBefore = store.getAttributes(work);
    RenameResult r = store.rename(work, n("a"), work, n("b"), RenameFlags.NONE, later());
    assertThat(r.moved().id()).isEqualTo(f);
    assertThat(r.replaced()).isNull();
    assertThat(names(work)).containsExactlyInAnyOrder("a", "b");
    assertThat(store.getAttributes(f).nlink()).isEqualTo(2);
    assertThat(store.getAttributes(work)).isEqualTo(dirBefore);
  }

  @Test
  void rename_ontoItself_changesNothing() throws Exception {
    InodeId d = mkdir(work, "d").id();
    store.rename(work, n("d"), work, n("d"), RenameFlags.NONE, later());
    assertThat(inodeOf(work, "d")).isEqualTo(d);
    assertDirectoryConsistent(work);
  }

  @Test
  void rename_directoryIntoItsOwnSubtree_isEINVAL() throws Exception {
    InodeId a = mkdir(work, "a").id();
    InodeId b = mkdir(a, "b").id();
    InodeId c = mkdir(b, "c").id();
    assertError(FsError.INVALID, () -> store.rename(work, n("a"), c, n("a"), RenameFlags.NONE, later()));
    assertError(FsError.INVALID, () -> store.rename(work, n("a"), a, n("self"), RenameFlags.NONE, later()));
    assertError(FsError.INVALID, () -> store.rename(work, n("a"), b, n("x"), RenameFlags.NOREPLACE, later()));
    assertThat(store.parentOf(a)).isEqualTo(work);
    assertThat(inodeOf(work, "a")).isEqualTo(a);
    assertDirectoryConsistent(work);
    assertDirectoryConsistent(a);
  }

  @Test
  void rename_directoryAcrossDirectories_updatesParentOfAndLinkCounts() throws Exception {
    InodeId a = mkdir(work, "a").id();
    InodeId b = mkdir(work, "b").id();
    InodeId d = mkdir(a, "d").id();
    InodeId deep = mkdir(d, "deep").id();
    store.rename(a, n("d"), b, n("moved"), RenameFlags.NONE, later());
    assertThat(store.parentOf(d)).isEqualTo(b);
    assertThat(store.parentOf(deep)).isEqualTo(d);
    assertThat(store.getAttributes(a).nlink()).isEqualTo(2);
    assertThat(store.getAttributes(b).nlink()).isEqualTo(3);
    assertThat(store.getAttributes(d).nlink()).isEqualTo(3);
    assertThat(inodeOf(b, "moved")).isEqualTo(d);
    assertDirectoryConsistent(a);
    assertDirectoryConsistent(b);
  }

  @Test
  void rename_directoryUpToAnAncestor_works() throws Exception {
    InodeId a = mkdir(work, "a").id();
    InodeId b = mkdir(a, "b").id();
    InodeId c = mkdir(b, "c").id();
    store.rename(b, n("c"), work, n("c"), RenameFlags.NONE, later());
    assertThat(store.parentOf(c)).isEqualTo(work);
    assertDirectoryConsistent(work);
    assertDirectoryConsistent(b);
  }

  @Test
  void rename_entryGetsACookieAfterEveryEarlierOne() throws Exception {
    touch(work, "a");
    touch(work, "b");
    DirEntry b = store.lookup(work, n("b")).orElseThrow();
    store.rename(work, n("a"), work, n("c"), RenameFlags.NONE, later());
    DirEntry c = store.lookup(work, n("c")).orElseThrow();
    assertThat(c.cookie()).isGreaterThan(b.cookie());
  }
}
