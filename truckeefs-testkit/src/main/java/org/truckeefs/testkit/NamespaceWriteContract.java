package org.truckeefs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.spi.CreateResult;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.UnlinkResult;

/**
 * Changing the namespace by one name: create, link, unlink and rmdir, with the link counts, sizes and times they
 * leave on the inode and its directory, and the directory attributes the store reports back to core.
 */
abstract class NamespaceWriteContract extends MetadataStoreContract {
  @Nested
  class Create {
    @Test
    void create_file_hasTheSpecsAttributes() throws Exception {
      Instant t = later();
      InodeAttributes a = store.create(work, n("f"), new NewInode(InodeType.FILE, 0640, 42, 43, 0, t, null));
      assertThat(a.type()).isEqualTo(InodeType.FILE);
      assertThat(a.mode()).isEqualTo(0640);
      assertThat(a.uid()).isEqualTo(42);
      assertThat(a.gid()).isEqualTo(43);
      assertThat(a.size()).isZero();
      assertThat(a.nlink()).isEqualTo(1);
      assertThat(a.atime()).isEqualTo(t);
      assertThat(a.mtime()).isEqualTo(t);
      assertThat(a.ctime()).isEqualTo(t);
      assertThat(a.crtime()).isEqualTo(t);
      assertThat(store.getAttributes(a.id())).isEqualTo(a);
      DirEntry e = store.lookup(work, n("f")).orElseThrow();
      assertThat(e.inode()).isEqualTo(a.id());
      assertThat(e.parent()).isEqualTo(work);
      assertThat(e.name()).isEqualTo(n("f"));
      assertThat(e.type()).isEqualTo(InodeType.FILE);
    }

    @Test
    void create_givesDistinctIds() throws Exception {
      Set<InodeId> ids = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        ids.add(touch(work, "f" + i).id());
      }
      assertThat(ids).hasSize(20).doesNotContain(InodeId.ROOT, work);
    }

    @Test
    void create_updatesParentTimesAndSize() throws Exception {
      Instant t = later();
      store.create(work, n("a"), fileSpec(t));
      InodeAttributes p = store.getAttributes(work);
      assertThat(p.mtime()).isEqualTo(t);
      assertThat(p.ctime()).isEqualTo(t);
      assertThat(p.size()).isEqualTo(1);
      assertThat(p.nlink()).isEqualTo(2);
    }

    @Test
    void mkdir_hasTwoLinksAndNoEntries_andAddsALinkToItsParent() throws Exception {
      InodeAttributes d = mkdir(work, "d");
      assertThat(d.type()).isEqualTo(InodeType.DIRECTORY);
      assertThat(d.nlink()).isEqualTo(2);
      assertThat(d.size()).isZero();
      assertThat(store.getAttributes(work).nlink()).isEqualTo(3);
      assertThat(store.parentOf(d.id())).isEqualTo(work);
      assertThat(store.readDir(d.id(), 0, 10)).isEmpty();
      mkdir(work, "e");
      touch(work, "f");
      assertThat(store.getAttributes(work).nlink()).isEqualTo(4);
      assertDirectoryConsistent(work);
    }

    @Test
    void create_existingName_isEEXIST_andChangesNothing() throws Exception {
      InodeAttributes f = touch(work, "x");
      InodeAttributes before = store.getAttributes(work);
      assertError(FsError.EXISTS, () -> store.create(work, n("x"), fileSpec(later())));
      assertError(FsError.EXISTS, () -> store.create(work, n("x"), dirSpec(later())));
      assertThat(store.getAttributes(work)).isEqualTo(before);
      assertThat(inodeOf(work, "x")).isEqualTo(f.id());
    }

    @Test
    void create_inMissingParent_isENOENT() {
      assertError(FsError.NOT_FOUND, () -> store.create(InodeId.of(Long.MAX_VALUE / 2), n("x"), fileSpec(later())));
    }

    @Test
    void create_inFile_isENOTDIR() throws Exception {
      InodeId f = touch(work, "file").id();
      assertError(FsError.NOT_DIRECTORY, () -> store.create(f, n("x"), fileSpec(later())));
    }

    @Test
    void create_inRemovedDirectory_isENOENT() throws Exception {
      InodeId d = mkdir(work, "gone").id();
      store.unlink(work, n("gone"), true, later());
      assertError(FsError.NOT_FOUND, () -> store.create(d, n("x"), fileSpec(later())));
    }

    @Test
    void create_specialFiles_keepTypeAndRdev() throws Exception {
      InodeAttributes c = store.create(work, n("tty"), new NewInode(InodeType.CHAR_DEVICE, 0620, 0, 5, 0x0501, later(), null));
      InodeAttributes p = store.create(work, n("pipe"), new NewInode(InodeType.FIFO, 0600, 0, 0, 0, later(), null));
      assertThat(store.getAttributes(c.id()).rdev()).isEqualTo(0x0501);
      assertThat(store.getAttributes(c.id()).type()).isEqualTo(InodeType.CHAR_DEVICE);
      assertThat(store.getAttributes(p.id()).type()).isEqualTo(InodeType.FIFO);
      assertThat(store.lookup(work, n("pipe")).orElseThrow().type()).isEqualTo(InodeType.FIFO);
    }
  }

  @Nested
  class Links {
    @Test
    void link_addsAName_countsIt_andSetsCtime() throws Exception {
      InodeId f = touch(work, "f").id();
      InodeId d = mkdir(work, "d").id();
      Instant t = later();
      InodeAttributes a = store.link(f, d, n("g"), t);
      assertThat(a.nlink()).isEqualTo(2);
      assertThat(a.ctime()).isEqualTo(t);
      assertThat(inodeOf(d, "g")).isEqualTo(f);
      assertThat(store.getAttributes(d).size()).isEqualTo(1);
      assertThat(store.getAttributes(d).mtime()).isEqualTo(t);
      assertThat(store.getAttributes(d).nlink()).isEqualTo(2);
    }

    @Test
    void link_ofDirectory_isEPERM() throws Exception {
      InodeId d = mkdir(work, "d").id();
      assertError(FsError.NOT_PERMITTED, () -> store.link(d, work, n("d2"), later()));
      assertThat(store.lookup(work, n("d2"))).isEmpty();
    }

    @Test
    void link_ontoExistingName_isEEXIST() throws Exception {
      InodeId f = touch(work, "f").id();
      touch(work, "g");
      assertError(FsError.EXISTS, () -> store.link(f, work, n("g"), later()));
      assertThat(store.getAttributes(f).nlink()).isEqualTo(1);
    }

    @Test
    void link_ofMissingInode_isENOENT_andIntoFile_isENOTDIR() throws Exception {
      InodeId f = touch(work, "f").id();
      assertError(FsError.NOT_FOUND, () -> store.link(InodeId.of(Long.MAX_VALUE / 2), work, n("x"), later()));
      assertError(FsError.NOT_DIRECTORY, () -> store.link(f, f, n("x"), later()));
    }

    @Test
    void unlink_lastName_leavesAnOrphanUntilPurge() throws Exception {
      InodeId f = touch(work, "f").id();
      Instant t = later();
      InodeAttributes a = store.unlink(work, n("f"), false, t);
      assertThat(a.id()).isEqualTo(f);
      assertThat(a.nlink()).isZero();
      assertThat(a.ctime()).isEqualTo(t);
      assertThat(store.lookup(work, n("f"))).isEmpty();
      assertThat(store.getAttributes(f).nlink()).isZero();
      assertThat(store.orphans()).contains(f);
      InodeAttributes p = store.getAttributes(work);
      assertThat(p.size()).isZero();
      assertThat(p.mtime()).isEqualTo(t);
    }

    @Test
    void unlink_oneOfTwoNames_keepsTheOther() throws Exception {
      InodeId f = touch(work, "f").id();
      store.link(f, work, n("g"), later());
      InodeAttributes a = store.unlink(work, n("f"), false, later());
      assertThat(a.nlink()).isEqualTo(1);
      assertThat(inodeOf(work, "g")).isEqualTo(f);
      assertThat(store.orphans()).doesNotContain(f);
    }

    @Test
    void unlink_missing_isENOENT_andDirectory_isEISDIR() throws Exception {
      mkdir(work, "d");
      assertError(FsError.NOT_FOUND, () -> store.unlink(work, n("none"), false, later()));
      assertError(FsError.IS_DIRECTORY, () -> store.unlink(work, n("d"), false, later()));
      assertThat(store.lookup(work, n("d"))).isPresent();
    }

    @Test
    void unlink_symlink_removesIt() throws Exception {
      store.create(work, n("s"), new NewInode(InodeType.SYMLINK, 0777, 1, 1, 0, later(), "t"));
      assertThat(store.unlink(work, n("s"), false, later()).nlink()).isZero();
      assertThat(store.lookup(work, n("s"))).isEmpty();
    }
  }

  @Nested
  class Rmdir {
    @Test
    void rmdir_emptyDirectory_dropsItsLinks_andTheParentsLink() throws Exception {
      InodeId d = mkdir(work, "d").id();
      InodeAttributes a = store.unlink(work, n("d"), true, later());
      assertThat(a.id()).isEqualTo(d);
      assertThat(a.nlink()).isZero();
      assertThat(store.lookup(work, n("d"))).isEmpty();
      assertThat(store.getAttributes(work).nlink()).isEqualTo(2);
      assertThat(store.getAttributes(work).size()).isZero();
      assertThat(store.orphans()).contains(d);
    }

    @Test
    void rmdir_nonEmpty_isENOTEMPTY_andChangesNothing() throws Exception {
      InodeId d = mkdir(work, "d").id();
      touch(d, "f");
      assertError(FsError.NOT_EMPTY, () -> store.unlink(work, n("d"), true, later()));
      assertThat(store.getAttributes(d).nlink()).isEqualTo(2);
      assertThat(store.getAttributes(work).nlink()).isEqualTo(3);
      assertThat(names(d)).containsExactly("f");
    }

    @Test
    void rmdir_ofFile_isENOTDIR_andOfMissing_isENOENT() throws Exception {
      touch(work, "f");
      assertError(FsError.NOT_DIRECTORY, () -> store.unlink(work, n("f"), true, later()));
      assertError(FsError.NOT_FOUND, () -> store.unlink(work, n("none"), true, later()));
      assertThat(store.lookup(work, n("f"))).isPresent();
    }

    @Test
    void rmdir_afterItsEntriesAreGone_works() throws Exception {
      InodeId d = mkdir(work, "d").id();
      touch(d, "f");
      mkdir(d, "sub");
      store.unlink(d, n("f"), false, later());
      store.unlink(d, n("sub"), true, later());
      assertThat(store.getAttributes(d).nlink()).isEqualTo(2);
      assertThat(store.unlink(work, n("d"), true, later()).nlink()).isZero();
    }
  }

  /**
   * {@code createEntry} and {@code unlink(..., purgeIfOrphan)} report the directory's attributes as their
   * transaction left them, exactly what {@code getAttributes} reads after it (core caches them in its place).
   */
  @Nested
  class DirectoryReports {
    @Test
    void createEntry_reportsTheDirectoryAsStored_forFilesAndDirectories() throws Exception {
      Instant t = later();
      CreateResult file = store.createEntry(work, n("f"), fileSpec(t));
      assertThat(file.created()).isEqualTo(store.getAttributes(file.created().id()));
      assertReported(file.parent(), work);
      assertThat(file.parent().size()).isEqualTo(1);
      assertThat(file.parent().mtime()).isEqualTo(t);
      assertThat(file.parent().ctime()).isEqualTo(t);

      CreateResult dir = store.createEntry(work, n("d"), dirSpec(later()));
      assertReported(dir.parent(), work);
      assertThat(dir.parent().nlink()).isEqualTo(3);
      assertThat(dir.parent().size()).isEqualTo(2);
    }

    @Test
    void create_neverReusesThePurgedNewestId() throws Exception {
      InodeId f = touch(work, "f").id();
      assertThat(store.unlink(work, n("f"), false, later(), f).purged()).isTrue();
      InodeId g = touch(work, "g").id();
      assertThat(g).isNotEqualTo(f);
      store.unlink(work, n("g"), false, later(), null);
      store.purge(g);
      assertThat(touch(work, "h").id()).isNotIn(f, g);
    }

    @Test
    void createEntry_ofATakenName_isEEXIST_andReportsNothing() throws Exception {
      touch(work, "f");
      InodeAttributes before = store.getAttributes(work);
      assertError(FsError.EXISTS, () -> store.createEntry(work, n("f"), fileSpec(later())));
      assertThat(store.getAttributes(work)).isEqualTo(before);
    }

    @Test
    void unlink_reportsTheDirectoryAsStored_withAndWithoutThePurge() throws Exception {
      InodeId f = touch(work, "f").id();
      InodeId g = touch(work, "g").id();
      InodeId d = mkdir(work, "d").id();
      Instant t = later();
      UnlinkResult purged = store.unlink(work, n("f"), false, t, f);
      assertReported(purged.parent(), work);
      assertThat(purged.parent().size()).isEqualTo(2);
      assertThat(purged.parent().mtime()).isEqualTo(t);

      UnlinkResult orphaned = store.unlink(work, n("g"), false, later(), null);
      assertReported(orphaned.parent(), work);
      assertThat(store.orphans()).contains(g);

      UnlinkResult rmdir = store.unlink(work, n("d"), true, later(), d);
      assertReported(rmdir.parent(), work);
      assertThat(rmdir.parent().nlink()).isEqualTo(2);
      assertThat(rmdir.parent().size()).isZero();
    }

    private void assertReported(InodeAttributes reported, InodeId dir) throws FsException {
      if (!reportsDirectoryAttributes()) {
        assertThat(reported).as("a store that does not report").isNull();
        return;
      }
      assertThat(reported).as("the directory as the transaction left it").isEqualTo(store.getAttributes(dir));
    }
  }
}
