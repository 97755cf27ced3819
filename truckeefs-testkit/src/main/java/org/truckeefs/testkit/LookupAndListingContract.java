package org.truckeefs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsError;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.spi.NewInode;

/**
 * Reading the namespace back: the root, single lookups, names as exact bytes, symlink targets and directory
 * listings with their cookies.
 */
abstract class LookupAndListingContract extends MetadataStoreContract {
  @Nested
  class Root {
    @Test
    void initRoot_isIdempotent_andKeepsTheFirstRoot() throws Exception {
      InodeAttributes first = store.getAttributes(InodeId.ROOT);
      InodeAttributes again = store.initRoot(new NewInode(InodeType.DIRECTORY, 0700, 5, 5, 0, later(), null));
      assertThat(again.id()).isEqualTo(InodeId.ROOT);
      assertThat(again.type()).isEqualTo(InodeType.DIRECTORY);
      assertThat(again.mode()).isEqualTo(first.mode());
      assertThat(again.uid()).isEqualTo(first.uid());
      assertThat(store.lookup(InodeId.ROOT, n("test-" + unique))).isPresent();
    }

    @Test
    void filesystemId_isMadeUpOnce_andStaysTheSame() throws Exception {
      String id = store.filesystemId();
      assertThat(id).matches("[A-Za-z0-9_.-]{1,64}");
      assertThat(store.filesystemId()).isEqualTo(id);
    }

    @Test
    void root_isItsOwnParent() throws Exception {
      assertThat(store.parentOf(InodeId.ROOT)).isEqualTo(InodeId.ROOT);
      assertThat(store.parentOf(work)).isEqualTo(InodeId.ROOT);
    }
  }

  /** Reading one inode or one name: lookups, attributes and parents, and their errors. */
  @Nested
  class Lookups {
    @Test
    void lookup_missingName_isEmpty() throws Exception {
      assertThat(store.lookup(work, n("nothing"))).isEmpty();
    }

    @Test
    void lookup_inFile_isENOTDIR_andInMissingDirectory_isENOENT() throws Exception {
      InodeId f = touch(work, "file").id();
      assertError(FsError.NOT_DIRECTORY, () -> store.lookup(f, n("x")));
      assertError(FsError.NOT_FOUND, () -> store.lookup(InodeId.of(Long.MAX_VALUE / 2), n("x")));
    }

    @Test
    void lookupAttributes_isTheNamedInodesAttributes_orEmpty() throws Exception {
      InodeAttributes f = touch(work, "f");
      InodeAttributes d = mkdir(work, "d");
      assertThat(store.lookupAttributes(work, n("f"))).contains(store.getAttributes(f.id()));
      assertThat(store.lookupAttributes(work, n("d"))).contains(store.getAttributes(d.id()));
      assertThat(store.lookupAttributes(work, n("nothing"))).isEmpty();
      assertError(FsError.NOT_DIRECTORY, () -> store.lookupAttributes(f.id(), n("x")));
      assertError(FsError.NOT_FOUND, () -> store.lookupAttributes(InodeId.of(Long.MAX_VALUE / 2), n("x")));
    }

    @Test
    void getAttributes_missing_isENOENT() {
      assertError(FsError.NOT_FOUND, () -> store.getAttributes(InodeId.of(Long.MAX_VALUE / 2)));
    }

    @Test
    void parentOf_file_isENOTDIR_andMissing_isENOENT() throws Exception {
      InodeId f = touch(work, "file").id();
      assertError(FsError.NOT_DIRECTORY, () -> store.parentOf(f));
      assertError(FsError.NOT_FOUND, () -> store.parentOf(InodeId.of(Long.MAX_VALUE / 2)));
    }
  }

  @Nested
  class Names {
    @Test
    void caseDiffers_twoEntries() throws Exception {
      InodeId lower = touch(work, "a").id();
      InodeId upper = touch(work, "A").id();
      assertThat(lower).isNotEqualTo(upper);
      assertThat(inodeOf(work, "a")).isEqualTo(lower);
      assertThat(inodeOf(work, "A")).isEqualTo(upper);
      assertThat(names(work)).containsExactlyInAnyOrder("a", "A");
    }

    @Test
    void unicodeNormalisationsDiffer_andTrailingSpacesCount() throws Exception {
      InodeId nfc = touch(work, "caf\u00e9").id();
      InodeId nfd = touch(work, "cafe\u0301").id();
      InodeId plain = touch(work, "x").id();
      InodeId spaced = touch(work, "x ").id();
      assertThat(Set.of(nfc, nfd, plain, spaced)).hasSize(4);
      assertThat(inodeOf(work, "cafe\u0301")).isEqualTo(nfd);
      assertThat(inodeOf(work, "x ")).isEqualTo(spaced);
      assertThat(list(work).stream().map(DirEntry::name)).contains(n("caf\u00e9"), n("cafe\u0301"), n("x"), n("x "));
    }

    @Test
    void nameOf255Bytes_withMultiByteCharacters_roundTrips() throws Exception {
      String name = "\u00e9".repeat(127) + "z";
      assertThat(name.getBytes(StandardCharsets.UTF_8)).hasSize(255);
      InodeId id = touch(work, name).id();
      assertThat(inodeOf(work, name)).isEqualTo(id);
      DirEntry e = store.readDir(work, 0, 10).get(0);
      assertThat(e.name().bytes()).isEqualTo(name.getBytes(StandardCharsets.UTF_8));
      assertThat(e.name().toString()).isEqualTo(name);
    }

    @Test
    void emojiAndCjkNames_roundTrip() throws Exception {
      touch(work, "\ud83d\ude00.txt");
      touch(work, "\u6587\u4ef6");
      assertThat(names(work)).containsExactlyInAnyOrder("\ud83d\ude00.txt", "\u6587\u4ef6");
    }
  }

  @Nested
  class Symlinks {
    @Test
    void symlink_keepsItsTarget_andItsSizeIsTheTargetsByteLength() throws Exception {
      String target = "../d\u00e9j\u00e0/vu";
      InodeAttributes s = store.create(work, n("ln"),
          new NewInode(InodeType.SYMLINK, 0777, 1, 1, 0, later(), target));
      assertThat(s.type()).isEqualTo(InodeType.SYMLINK);
      assertThat(s.size()).isEqualTo(target.getBytes(StandardCharsets.UTF_8).length);
      assertThat(store.readSymlink(s.id())).isEqualTo(target);
      assertThat(store.lookup(work, n("ln")).orElseThrow().type()).isEqualTo(InodeType.SYMLINK);
    }

    @Test
    void readSymlink_ofNonSymlink_isEINVAL_andOfMissing_isENOENT() throws Exception {
      InodeId f = touch(work, "f").id();
      assertError(FsError.INVALID, () -> store.readSymlink(f));
      assertError(FsError.INVALID, () -> store.readSymlink(work));
      assertError(FsError.NOT_FOUND, () -> store.readSymlink(InodeId.of(Long.MAX_VALUE / 2)));
    }

    @Test
    void longSymlinkTarget_roundTrips() throws Exception {
      String target = "x/".repeat(2000);
      InodeId s = store.create(work, n("long"), new NewInode(InodeType.SYMLINK, 0777, 1, 1, 0, later(), target)).id();
      assertThat(store.readSymlink(s)).isEqualTo(target);
    }
  }

  @Nested
  class ReadDir {
    @Test
    void readDir_pagesInCookieOrder_eachEntryOnce_withoutDotEntries() throws Exception {
      Set<String> made = new HashSet<>();
      for (int i = 0; i < 50; i++) {
        touch(work, "f" + i);
        made.add("f" + i);
      }
      List<DirEntry> all = list(work);
      assertThat(all).extracting(e -> e.name().toString()).containsExactlyInAnyOrderElementsOf(made);
      for (int i = 1; i < all.size(); i++) {
        assertThat(all.get(i).cookie()).isGreaterThan(all.get(i - 1).cookie());
      }
      assertThat(all).allSatisfy(e -> {
        assertThat(e.parent()).isEqualTo(work);
        assertThat(e.name().isDotOrDotDot()).isFalse();
        assertThat(e.cookie()).isPositive();
      });
      assertThat(store.readDir(work, 0, 10)).hasSize(10);
      assertThat(store.readDir(work, all.get(all.size() - 1).cookie(), 10)).isEmpty();
    }

    @Test
    void readDir_cookiesStayValidWhileTheDirectoryChanges() throws Exception {
      for (int i = 0; i < 30; i++) {
        touch(work, "f" + i);
      }
      List<DirEntry> first = store.readDir(work, 0, 10);
      Set<String> seen = new HashSet<>();
      first.forEach(e -> seen.add(e.name().toString()));
      long cookie = first.get(first.size() - 1).cookie();
      List<DirEntry> rest = list(work).subList(10, 30);
      // Remove two already returned and two not yet returned entries, add three new ones.
      store.unlink(work, first.get(0).name(), false, later());
      store.unlink(work, first.get(5).name(), false, later());
      store.unlink(work, rest.get(0).name(), false, later());
      store.unlink(work, rest.get(19).name(), false, later());
      touch(work, "new1");
      touch(work, "new2");
      touch(work, first.get(0).name().toString());
      List<String> continued = new ArrayList<>();
      while (true) {
        List<DirEntry> page = store.readDir(work, cookie, 4);
        if (page.isEmpty()) {
          break;
        }
        page.forEach(e -> continued.add(e.name().toString()));
        cookie = page.get(page.size() - 1).cookie();
      }
      List<String> expected = new ArrayList<>();
      rest.subList(1, 19).forEach(e -> expected.add(e.name().toString()));
      expected.add("new1");
      expected.add("new2");
      expected.add(first.get(0).name().toString());
      assertThat(continued).containsExactlyElementsOf(expected);
      assertThat(continued).doesNotContainAnyElementsOf(
          seen.stream().filter(s -> !s.equals(first.get(0).name().toString())).toList());
    }

    @Test
    void readDir_newEntriesGetLargerCookies_evenAfterTheLastOneIsRemoved() throws Exception {
      touch(work, "a");
      touch(work, "b");
      long bCookie = store.lookup(work, n("b")).orElseThrow().cookie();
      store.unlink(work, n("b"), false, later());
      touch(work, "c");
      assertThat(store.lookup(work, n("c")).orElseThrow().cookie()).isGreaterThan(bCookie);
      assertThat(store.readDir(work, bCookie, 10)).extracting(e -> e.name().toString()).containsExactly("c");
    }

    @Test
    void readDir_ofFile_isENOTDIR_ofMissing_isENOENT_andZeroLimit_isEmpty() throws Exception {
      InodeId f = touch(work, "f").id();
      assertError(FsError.NOT_DIRECTORY, () -> store.readDir(f, 0, 10));
      assertError(FsError.NOT_FOUND, () -> store.readDir(InodeId.of(Long.MAX_VALUE / 2), 0, 10));
      assertThat(store.readDir(work, 0, 0)).isEmpty();
    }

    @Test
    void readDir_entriesCarryInodeAndType() throws Exception {
      InodeId d = mkdir(work, "d").id();
      InodeId f = touch(work, "f").id();
      Map<String, DirEntry> byName = new HashMap<>();
      list(work).forEach(e -> byName.put(e.name().toString(), e));
      assertThat(byName.get("d").inode()).isEqualTo(d);
      assertThat(byName.get("d").type()).isEqualTo(InodeType.DIRECTORY);
      assertThat(byName.get("f").inode()).isEqualTo(f);
      assertThat(byName.get("f").type()).isEqualTo(InodeType.FILE);
    }
  }
}
