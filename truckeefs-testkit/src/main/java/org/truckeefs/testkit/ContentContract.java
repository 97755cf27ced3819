package org.truckeefs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitMark;
import org.truckeefs.spi.CommitOutcome;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.StoreStats;
import org.truckeefs.spi.UnlinkResult;

/**
 * A file's content and what it leaves behind: version-checked commits of chunk lists, blob reference counting and
 * the release of unreferenced blobs, purging orphans (alone or with their last unlink), the write-back journal a
 * commit clears, and the store-wide counts of inodes and bytes.
 */
abstract class ContentContract extends MetadataStoreContract {
  @Nested
  class Content {
    @Test
    void commit_setsChunksSizeAndMtime_andIncrementsTheVersion() throws Exception {
      InodeAttributes f = touch(work, "f");
      Instant t = later();
      CommitResult r = store.commitContent(new ContentCommit(f.id(), f.version(), 150,
          List.of(chunk(1, blob("b1"), 50), chunk(0, blob("b0"), 100)), Long.MAX_VALUE, t, 0));
      assertThat(r.attributes().version()).isEqualTo(f.version() + 1);
      assertThat(r.attributes().size()).isEqualTo(150);
      assertThat(r.attributes().mtime()).isEqualTo(t);
      assertThat(r.attributes().ctime()).isEqualTo(t);
      assertThat(r.unreferenced()).isEmpty();
      assertThat(store.getAttributes(f.id())).isEqualTo(r.attributes());
      assertThat(store.chunks(f.id())).containsExactly(chunk(0, blob("b0"), 100), chunk(1, blob("b1"), 50));
    }

    /** Uploads' commits gathered into one call: each as commitContent applies it, a failing one alone undone. */
    @Test
    void commitContents_appliesEachCommit_andOneThatFailsChangesOnlyItself() throws Exception {
      InodeAttributes a = touch(work, "a");
      InodeAttributes b = touch(work, "b");
      InodeAttributes c = touch(work, "c");
      InodeAttributes bBefore = store.getAttributes(b.id());
      Instant t = later();
      List<CommitOutcome> out = store.commitContents(List.of(
          new ContentCommit(a.id(), a.version(), 10, List.of(chunk(0, blob("ca"), 10)), Long.MAX_VALUE, t, 0,
              new CommitMark("batch", 1)),
          new ContentCommit(b.id(), b.version() + 7, 20, List.of(chunk(0, blob("cb"), 20)), Long.MAX_VALUE, t, 0,
              new CommitMark("batch", 2)),
          new ContentCommit(c.id(), c.version(), 30, List.of(chunk(0, blob("cc"), 30)), Long.MAX_VALUE, t, 0,
              new CommitMark("batch", 3))));
      assertThat(out).hasSize(3);
      assertThat(out.get(0).get().attributes().size()).isEqualTo(10);
      assertThat(out.get(0).get().attributes().version()).isEqualTo(a.version() + 1);
      assertThat(out.get(1).failure().error()).isEqualTo(FsError.STALE);
      assertThat(out.get(2).get().attributes().size()).isEqualTo(30);
      assertThat(store.getAttributes(a.id())).isEqualTo(out.get(0).result().attributes());
      assertThat(store.getAttributes(c.id())).isEqualTo(out.get(2).result().attributes());
      assertThat(store.chunks(a.id())).containsExactly(chunk(0, blob("ca"), 10));
      assertThat(store.chunks(c.id())).containsExactly(chunk(0, blob("cc"), 30));
      assertThat(store.getAttributes(b.id())).isEqualTo(bBefore);
      assertThat(store.chunks(b.id())).isEmpty();
      assertThat(store.commitMarks("batch")).containsExactly(1L, 3L);
    }

    /** The kernel's coarse write times may lie just before the inode's ctime: mtime takes it, ctime never goes back. */
    @Test
    void commit_withAnMtimeBeforeTheCtime_setsTheMtime_andKeepsTheCtime() throws Exception {
      InodeAttributes f = touch(work, "f");
      Instant earlier = f.ctime().minusMillis(3);
      CommitResult r = store.commitContent(new ContentCommit(f.id(), f.version(), 5, List.of(chunk(0, blob("e"), 5)),
          Long.MAX_VALUE, earlier, 0));
      assertThat(r.attributes().mtime()).isEqualTo(earlier);
      assertThat(r.attributes().ctime()).isEqualTo(f.ctime());
      assertThat(store.getAttributes(f.id())).isEqualTo(r.attributes());
    }

    @Test
    void commit_withWrongVersion_isESTALE_andChangesNothing() throws Exception {
      InodeAttributes f = touch(work, "f");
      commit(f.id(), 10, Long.MAX_VALUE, List.of(chunk(0, blob("a"), 10)));
      InodeAttributes before = store.getAttributes(f.id());
      assertError(FsError.STALE, () -> store.commitContent(new ContentCommit(f.id(), f.version(), 99,
          List.of(chunk(0, blob("b"), 99)), 0, later(), 0)));
      assertThat(store.getAttributes(f.id())).isEqualTo(before);
      assertThat(store.chunks(f.id())).containsExactly(chunk(0, blob("a"), 10));
      assertThat(store.liveBlobs(blob("b").value(), 1000).stream().filter(b -> b.equals(blob("b")))).isEmpty();
    }

    @Test
    void commit_upsertReplacesAChunk_andDropFromIndexTruncates() throws Exception {
      InodeId f = touch(work, "f").id();
      commit(f, 400, Long.MAX_VALUE,
          List.of(chunk(0, blob("0"), 100), chunk(1, blob("1"), 100), chunk(2, blob("2"), 100), chunk(3, blob("3"), 100)));
      CommitResult r = commit(f, 200, Long.MAX_VALUE, List.of(chunk(1, blob("1b"), 100)));
      assertThat(r.unreferenced()).containsExactly(blob("1"));
      assertThat(store.chunks(f)).extracting(ChunkRef::blob)
          .containsExactly(blob("0"), blob("1b"), blob("2"), blob("3"));
      CommitResult t = commit(f, 150, 2, List.of(chunk(1, blob("1c"), 50)));
      assertThat(t.unreferenced()).containsExactlyInAnyOrder(blob("1b"), blob("2"), blob("3"));
      assertThat(store.chunks(f)).containsExactly(chunk(0, blob("0"), 100), chunk(1, blob("1c"), 50));
      assertThat(t.attributes().size()).isEqualTo(150);
      CommitResult zero = commit(f, 0, 0, List.of());
      assertThat(store.chunks(f)).isEmpty();
      assertThat(zero.unreferenced()).containsExactlyInAnyOrder(blob("0"), blob("1c"));
    }

    @Test
    void commit_keepsHoles_andAnUpsertAboveDropFromIndexSurvives() throws Exception {
      InodeId f = touch(work, "f").id();
      commit(f, 1000, 0, List.of(chunk(9, blob("nine"), 100)));
      assertThat(store.chunks(f)).containsExactly(chunk(9, blob("nine"), 100));
    }

    @Test
    void commit_removesItsJournalEntry_inTheSameTransaction() throws Exception {
      InodeAttributes f = touch(work, "f");
      JournalEntry j = store.journalAppend(new JournalEntry(0, f.id(), owner(), f.version(), new byte[] {1}, later()));
      JournalEntry other = store.journalAppend(new JournalEntry(0, f.id(), owner(), f.version(), new byte[] {2}, later()));
      store.commitContent(new ContentCommit(f.id(), f.version(), 1, List.of(chunk(0, blob("x"), 1)), Long.MAX_VALUE,
          later(), j.id()));
      assertThat(store.journal(owner())).extracting(JournalEntry::id).containsExactly(other.id());
    }

    @Test
    void commit_thatFails_keepsTheJournalEntry() throws Exception {
      InodeAttributes f = touch(work, "f");
      JournalEntry j = store.journalAppend(new JournalEntry(0, f.id(), owner(), f.version(), new byte[] {1}, later()));
      assertError(FsError.STALE, () -> store.commitContent(new ContentCommit(f.id(), f.version() + 5, 1,
          List.of(chunk(0, blob("x"), 1)), Long.MAX_VALUE, later(), j.id())));
      assertThat(store.journal(owner())).extracting(JournalEntry::id).containsExactly(j.id());
    }

    @Test
    void commit_ofADirectory_isEISDIR_andChangesNothing() throws Exception {
      InodeAttributes dir = store.getAttributes(work);
      assertError(FsError.IS_DIRECTORY, () -> store.commitContent(new ContentCommit(work, dir.version(), 1,
          List.of(chunk(0, blob("d"), 1)), Long.MAX_VALUE, later(), 0)));
      assertThat(store.getAttributes(work)).isEqualTo(dir);
    }

    @Test
    void commit_ofMissingInode_isENOENT() {
      assertError(FsError.NOT_FOUND, () -> store.commitContent(new ContentCommit(InodeId.of(Long.MAX_VALUE / 2), 0, 1,
          List.of(), Long.MAX_VALUE, later(), 0)));
    }

    @Test
    void blobSharedByTwoFiles_staysLiveUntilBothDropIt_thenIsReleasedAfterTheGracePeriod() throws Exception {
      InodeId f = touch(work, "f").id();
      InodeId g = touch(work, "g").id();
      BlobRef shared = blob("shared");
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, shared, 10)));
      commit(g, 10, Long.MAX_VALUE, List.of(chunk(0, shared, 10)));
      assertThat(liveBlobs()).contains(shared);
      CommitResult first = commit(f, 0, 0, List.of());
      assertThat(first.unreferenced()).doesNotContain(shared);
      assertThat(liveBlobs()).contains(shared);
      Instant beforeUnreferenced = storeClockNow().minus(Duration.ofHours(1));
      CommitResult second = commit(g, 0, 0, List.of());
      assertThat(second.unreferenced()).containsExactly(shared);
      assertThat(liveBlobs()).doesNotContain(shared);
      assertThat(takeAll(beforeUnreferenced)).doesNotContain(shared);
      Instant afterGrace = storeClockNow().plus(Duration.ofHours(1));
      assertThat(takeAll(afterGrace)).contains(shared);
      assertThat(takeAll(afterGrace)).doesNotContain(shared);
    }

    @Test
    void blobReferencedAgain_isNotReleasable() throws Exception {
      InodeId f = touch(work, "f").id();
      BlobRef b = blob("again");
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, b, 10)));
      assertThat(commit(f, 0, 0, List.of()).unreferenced()).containsExactly(b);
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, b, 10)));
      assertThat(takeAll(storeClockNow().plus(Duration.ofHours(1)))).doesNotContain(b);
      assertThat(liveBlobs()).contains(b);
    }

    @Test
    void sameBlobAtTwoIndexesOfOneFile_isCountedTwice() throws Exception {
      InodeId f = touch(work, "f").id();
      BlobRef zeros = blob("zeros");
      commit(f, 20, Long.MAX_VALUE, List.of(chunk(0, zeros, 10), chunk(1, zeros, 10)));
      assertThat(commit(f, 10, 1, List.of()).unreferenced()).isEmpty();
      assertThat(liveBlobs()).contains(zeros);
      assertThat(commit(f, 0, 0, List.of()).unreferenced()).containsExactly(zeros);
    }

    @Test
    void takeReleasableBlobs_honoursItsLimit() throws Exception {
      InodeId f = touch(work, "f").id();
      List<ChunkRef> chunks = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        chunks.add(chunk(i, blob("lim" + i), 1));
      }
      commit(f, 5, Long.MAX_VALUE, chunks);
      commit(f, 0, 0, List.of());
      Instant after = storeClockNow().plus(Duration.ofHours(1));
      Set<BlobRef> taken = new HashSet<>();
      List<BlobRef> page;
      do {
        page = store.takeReleasableBlobs(after, 2);
        assertThat(page.size()).isLessThanOrEqualTo(2);
        for (BlobRef b : page) {
          assertThat(taken.add(b)).as("taken twice: %s", b).isTrue();
        }
      } while (!page.isEmpty());
      assertThat(taken).containsAll(chunks.stream().map(ChunkRef::blob).toList());
    }

    @Test
    void takeUnreferenced_takesTheNamedBlobsWithNoReference_whateverTheirTime_once() throws Exception {
      InodeId f = touch(work, "f").id();
      InodeId g = touch(work, "g").id();
      BlobRef dropped = blob("tu-dropped");
      BlobRef shared = blob("tu-shared");
      BlobRef otherDropped = blob("tu-other");
      commit(f, 30, Long.MAX_VALUE, List.of(chunk(0, dropped, 10), chunk(1, shared, 10), chunk(2, otherDropped, 10)));
      commit(g, 10, Long.MAX_VALUE, List.of(chunk(0, shared, 10)));
      assertThat(commit(f, 0, 0, List.of()).unreferenced()).containsExactlyInAnyOrder(dropped, otherDropped);

      List<BlobRef> taken = store.takeUnreferenced(List.of(shared, dropped, blob("tu-unknown")));

      assertThat(taken).as("just now unreferenced, still referenced, never stored").containsExactly(dropped);
      assertThat(store.takeUnreferenced(List.of(dropped))).as("taken once").isEmpty();
      assertThat(liveBlobs()).contains(shared);
      assertThat(takeAll(storeClockNow().plus(Duration.ofHours(1)))).as("the sweep finds only the other")
          .contains(otherDropped).doesNotContain(dropped, shared);
    }

    @Test
    void liveBlobs_pagesInValueOrder() throws Exception {
      InodeId f = touch(work, "f").id();
      List<ChunkRef> chunks = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        chunks.add(chunk(i, blob(String.format("live%02d", 11 - i)), 1));
      }
      commit(f, 12, Long.MAX_VALUE, chunks);
      List<BlobRef> all = liveBlobs();
      List<String> mine = all.stream().map(BlobRef::value).filter(v -> v.startsWith(blob("live").value())).toList();
      assertThat(mine).hasSize(12).isSorted();
      List<String> values = all.stream().map(BlobRef::value).toList();
      assertThat(values).isSorted();
      List<BlobRef> after = store.liveBlobs(blob("live05").value(), 3);
      assertThat(after).containsExactly(blob("live06"), blob("live07"), blob("live08"));
    }

    private List<BlobRef> liveBlobs() throws FsException {
      List<BlobRef> all = new ArrayList<>();
      String after = null;
      while (true) {
        List<BlobRef> page = store.liveBlobs(after, 5);
        if (page.isEmpty()) {
          return all;
        }
        all.addAll(page);
        after = page.get(page.size() - 1).value();
      }
    }

    private List<BlobRef> takeAll(Instant before) throws FsException {
      List<BlobRef> all = new ArrayList<>();
      List<BlobRef> page;
      do {
        page = store.takeReleasableBlobs(before, 50);
        all.addAll(page);
      } while (!page.isEmpty());
      return all;
    }
  }

  @Nested
  class Purge {
    @Test
    void purge_ofLinkedInode_isEBUSY() throws Exception {
      InodeId f = touch(work, "f").id();
      assertError(FsError.BUSY, () -> store.purge(f));
      assertThat(store.getAttributes(f).nlink()).isEqualTo(1);
    }

    @Test
    void purge_ofOrphan_deletesItWithChunksAndXattrs_andReleasesItsBlobs() throws Exception {
      InodeId f = touch(work, "f").id();
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, blob("p"), 10)));
      store.setXattr(f, "user.k", new byte[] {1}, XattrMode.EITHER, later());
      store.unlink(work, n("f"), false, later());
      CommitResult r = store.purge(f);
      assertThat(r.attributes()).isNull();
      assertThat(r.unreferenced()).containsExactly(blob("p"));
      assertError(FsError.NOT_FOUND, () -> store.getAttributes(f));
      assertThat(store.orphans()).doesNotContain(f);
      assertThat(store.takeReleasableBlobs(storeClockNow().plus(Duration.ofHours(1)), 1000)).contains(blob("p"));
    }

    @Test
    void purge_isIdempotent() throws Exception {
      InodeId f = touch(work, "f").id();
      store.unlink(work, n("f"), false, later());
      store.purge(f);
      CommitResult again = store.purge(f);
      assertThat(again.unreferenced()).isEmpty();
      assertThat(store.purge(InodeId.of(Long.MAX_VALUE / 2)).unreferenced()).isEmpty();
    }

    @Test
    void purge_ofRemovedDirectory_works() throws Exception {
      InodeId d = mkdir(work, "d").id();
      store.unlink(work, n("d"), true, later());
      store.purge(d);
      assertError(FsError.NOT_FOUND, () -> store.getAttributes(d));
    }

    @Test
    void orphans_listsUnlinkedInodesOnly() throws Exception {
      InodeId a = touch(work, "a").id();
      InodeId b = touch(work, "b").id();
      store.unlink(work, n("a"), false, later());
      assertThat(store.orphans()).contains(a).doesNotContain(b, work, InodeId.ROOT);
    }
  }

  /** {@code unlink(..., purgeIfOrphan)}: the unlink and the purge of the inode it orphans in one transaction. */
  @Nested
  class UnlinkWithPurge {
    @Test
    void lastName_removesTheEntryAndTheInode_withItsChunksAndXattrs() throws Exception {
      InodeId f = touch(work, "f").id();
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, blob("u"), 10)));
      store.setXattr(f, "user.k", new byte[] {1}, XattrMode.EITHER, later());
      Instant t = later();
      UnlinkResult r = store.unlink(work, n("f"), false, t, f);
      assertThat(r.purged()).isTrue();
      assertThat(r.unlinked().id()).isEqualTo(f);
      assertThat(r.unlinked().nlink()).isZero();
      assertThat(r.unreferenced()).containsExactly(blob("u"));
      assertThat(store.lookup(work, n("f"))).isEmpty();
      assertError(FsError.NOT_FOUND, () -> store.getAttributes(f));
      assertThat(store.orphans()).doesNotContain(f);
      assertThat(store.purge(f).unreferenced()).isEmpty(); // already gone: purge stays idempotent
      InodeAttributes p = store.getAttributes(work);
      assertThat(p.size()).isZero();
      assertThat(p.mtime()).isEqualTo(t);
      assertThat(store.takeReleasableBlobs(storeClockNow().plus(Duration.ofHours(1)), 1000)).contains(blob("u"));
    }

    @Test
    void aBlobAnotherFileStillUses_staysReferenced() throws Exception {
      InodeId f = touch(work, "f").id();
      InodeId g = touch(work, "g").id();
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, blob("shared"), 10)));
      commit(g, 10, Long.MAX_VALUE, List.of(chunk(0, blob("shared"), 10)));
      UnlinkResult r = store.unlink(work, n("f"), false, later(), f);
      assertThat(r.purged()).isTrue();
      assertThat(r.unreferenced()).isEmpty();
      assertThat(store.chunks(g)).hasSize(1);
      assertThat(store.takeReleasableBlobs(storeClockNow().plus(Duration.ofHours(1)), 1000))
          .doesNotContain(blob("shared"));
    }

    @Test
    void anInodeWithAnotherName_isOnlyUnlinked() throws Exception {
      InodeId f = touch(work, "f").id();
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, blob("v"), 10)));
      store.link(f, work, n("g"), later());
      UnlinkResult r = store.unlink(work, n("f"), false, later(), f);
      assertThat(r.purged()).isFalse();
      assertThat(r.unlinked().nlink()).isEqualTo(1);
      assertThat(r.unreferenced()).isEmpty();
      assertThat(store.chunks(f)).hasSize(1);
      assertThat(inodeOf(work, "g")).isEqualTo(f);
    }

    @Test
    void withoutAnInode_leavesAnOrphan() throws Exception {
      InodeId f = touch(work, "f").id();
      UnlinkResult r = store.unlink(work, n("f"), false, later(), null);
      assertThat(r.purged()).isFalse();
      assertThat(r.unlinked().nlink()).isZero();
      assertThat(store.orphans()).contains(f);
      assertThat(store.getAttributes(f).nlink()).isZero();
    }

    @Test
    void anEntryThatNamesAnotherInode_isUnlinkedWithoutAPurge() throws Exception {
      InodeId stale = touch(work, "old").id();
      InodeId f = touch(work, "f").id();
      // the caller's view is stale: "f" was replaced by another file since it looked
      store.rename(work, n("old"), work, n("f"), RenameFlags.NONE, later());
      UnlinkResult r = store.unlink(work, n("f"), false, later(), f);
      assertThat(r.purged()).isFalse();
      assertThat(r.unlinked().id()).isEqualTo(stale);
      assertThat(r.unlinked().nlink()).isZero();
      assertThat(store.orphans()).contains(stale, f); // f was orphaned by the rename, stale by the unlink
    }

    @Test
    void answersLikeUnlink_whenTheEntryIsWrong() throws Exception {
      InodeId d = mkdir(work, "d").id();
      InodeId f = touch(work, "f").id();
      assertError(FsError.IS_DIRECTORY, () -> store.unlink(work, n("d"), false, later(), d));
      assertError(FsError.NOT_DIRECTORY, () -> store.unlink(work, n("f"), true, later(), f));
      assertError(FsError.NOT_FOUND, () -> store.unlink(work, n("none"), false, later(), f));
      assertError(FsError.NOT_FOUND, () -> store.unlink(InodeId.of(Long.MAX_VALUE / 2), n("f"), false, later(), f));
      assertError(FsError.NOT_DIRECTORY, () -> store.unlink(f, n("x"), false, later(), f));
      assertThat(store.getAttributes(d).nlink()).isEqualTo(2);
      assertThat(store.getAttributes(f).nlink()).isEqualTo(1);
    }

    @Test
    void rmdir_purgesTheDirectory_andDropsTheParentsLink() throws Exception {
      InodeId d = mkdir(work, "d").id();
      touch(d, "x");
      assertError(FsError.NOT_EMPTY, () -> store.unlink(work, n("d"), true, later(), d));
      store.unlink(d, n("x"), false, later(), inodeOf(d, "x"));
      UnlinkResult r = store.unlink(work, n("d"), true, later(), d);
      assertThat(r.purged()).isTrue();
      assertError(FsError.NOT_FOUND, () -> store.getAttributes(d));
      assertThat(store.getAttributes(work).nlink()).isEqualTo(2);
      assertThat(store.orphans()).doesNotContain(d);
    }
  }

  @Nested
  class Journal {
    @Test
    void append_assignsIncreasingIds_andListsByOwnerOldestFirst() throws Exception {
      InodeId f = touch(work, "f").id();
      Instant t = later();
      byte[] payload = {0, (byte) 0xff, 7, 0};
      JournalEntry a = store.journalAppend(new JournalEntry(0, f, owner(), 3, payload, t));
      JournalEntry b = store.journalAppend(new JournalEntry(0, f, owner(), 4, new byte[] {9}, later()));
      JournalEntry other = store.journalAppend(new JournalEntry(0, f, owner() + "-other", 1, new byte[] {1}, later()));
      assertThat(a.id()).isPositive();
      assertThat(b.id()).isGreaterThan(a.id());
      List<JournalEntry> mine = store.journal(owner());
      assertThat(mine).extracting(JournalEntry::id).containsExactly(a.id(), b.id());
      JournalEntry read = mine.get(0);
      assertThat(read.inode()).isEqualTo(f);
      assertThat(read.owner()).isEqualTo(owner());
      assertThat(read.baseVersion()).isEqualTo(3);
      assertThat(read.payload()).isEqualTo(payload);
      assertThat(read.created()).isEqualTo(t);
      assertThat(store.journal(owner() + "-other")).extracting(JournalEntry::id).containsExactly(other.id());
    }

    @Test
    void remove_isIdempotent() throws Exception {
      InodeId f = touch(work, "f").id();
      JournalEntry a = store.journalAppend(new JournalEntry(0, f, owner(), 0, new byte[] {1}, later()));
      store.journalRemove(a.id());
      store.journalRemove(a.id());
      store.journalRemove(Long.MAX_VALUE / 2);
      assertThat(store.journal(owner())).isEmpty();
    }

    @Test
    void unknownOwner_hasNoEntries() throws Exception {
      assertThat(store.journal(owner() + "-nobody")).isEmpty();
    }
  }

  @Nested
  class Stats {
    @Test
    void stats_countInodesAndFileBytes() throws Exception {
      StoreStats before = store.stats();
      InodeId f = touch(work, "f").id();
      InodeId g = touch(work, "g").id();
      mkdir(work, "d");
      commit(f, 1000, Long.MAX_VALUE, List.of(chunk(0, blob("s1"), 1000)));
      commit(g, 234, Long.MAX_VALUE, List.of(chunk(0, blob("s2"), 234)));
      StoreStats after = store.stats();
      assertThat(after.inodes() - before.inodes()).isEqualTo(3);
      assertThat(after.bytes() - before.bytes()).isEqualTo(1234);
      store.unlink(work, n("f"), false, later());
      store.purge(f);
      StoreStats purged = store.stats();
      assertThat(after.inodes() - purged.inodes()).isEqualTo(1);
      assertThat(after.bytes() - purged.bytes()).isEqualTo(1000);
    }
  }
}
