package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.DirEntryPlus;
import org.truckeefs.api.FsChange;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitOutcome;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.CreateResult;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.UnlinkResult;
import org.truckeefs.testkit.FakeTicker;

/**
 * The metadata cache's coherence rules: exact for the changes that pass through it (one host), at most the ttl
 * stale for another host's changes (two caches on one store), sooner when that host's change events arrive.
 */
class CachedMetadataStoreTest {
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration TTL = Duration.ofSeconds(1);

  final FakeTicker ticker = new FakeTicker();
  final MetadataStore shared = new InMemoryMetadataStore(Clock.systemUTC());
  final List<String> calls = new CopyOnWriteArrayList<>();
  CachedMetadataStore a;
  CachedMetadataStore b;

  @BeforeEach
  void setUp() throws Exception {
    shared.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
    a = new CachedMetadataStore(counted(shared), TTL, ticker);
    b = new CachedMetadataStore(shared, TTL, ticker); // "another host" on the same store
  }

  MetadataStore counted(MetadataStore target) {
    return RecordingStore.of(target, calls);
  }

  static Name n(String s) throws FsException {
    return Name.of(s);
  }

  static NewInode dir() {
    return new NewInode(InodeType.DIRECTORY, 0755, 1000, 1000, 0, T, null);
  }

  static NewInode file() {
    return new NewInode(InodeType.FILE, 0644, 1000, 1000, 0, T, null);
  }

  @Test
  void attributes_areReadOnce_andAChangeThroughTheCacheIsSeenAtOnce() throws Exception {
    InodeAttributes f = a.create(InodeId.ROOT, n("f"), file());
    a.cachedAttributes(f.id());
    calls.clear();
    assertThat(a.cachedAttributes(f.id()).mode()).isEqualTo(0644);
    assertThat(calls).isEmpty();

    a.setAttributes(f.id(), new AttrUpdate(0600, null, null, null, null, null));
    assertThat(a.cachedAttributes(f.id()).mode()).isEqualTo(0600);
  }

  @Test
  void absentEntries_areRemembered_untilThisHostCreatesThem() throws Exception {
    assertThat(a.cachedLookupAttributes(InodeId.ROOT, n("x"))).isEmpty();
    calls.clear();
    assertThat(a.cachedLookupAttributes(InodeId.ROOT, n("x"))).isEmpty();
    assertThat(calls).isEmpty();

    InodeAttributes x = a.create(InodeId.ROOT, n("x"), file());
    assertThat(a.cachedLookupAttributes(InodeId.ROOT, n("x"))).contains(x);
    calls.clear();
    assertThat(a.cachedLookupAttributes(InodeId.ROOT, n("x"))).contains(x);
    assertThat(calls).as("entry and attributes both cached").isEmpty();
  }

  @Test
  void unlinkAndRename_areSeenAtOnce_withTheParentsAttributes() throws Exception {
    InodeAttributes f = a.create(InodeId.ROOT, n("f"), file());
    a.create(InodeId.ROOT, n("g"), file());
    a.cachedLookupAttributes(InodeId.ROOT, n("f"));
    a.cachedLookupAttributes(InodeId.ROOT, n("h"));
    long sizeBefore = a.cachedAttributes(InodeId.ROOT).size();

    a.rename(InodeId.ROOT, n("f"), InodeId.ROOT, n("h"), RenameFlags.NONE, T);
    assertThat(a.cachedLookupAttributes(InodeId.ROOT, n("f"))).isEmpty();
    assertThat(a.cachedLookupAttributes(InodeId.ROOT, n("h")).map(InodeAttributes::id)).contains(f.id());

    a.unlink(InodeId.ROOT, n("g"), false, T);
    assertThat(a.cachedLookupAttributes(InodeId.ROOT, n("g"))).isEmpty();
    assertThat(a.cachedAttributes(InodeId.ROOT).size()).isEqualTo(sizeBefore - 1);

    a.unlink(InodeId.ROOT, n("h"), false, T);
    assertThat(a.cachedAttributes(f.id()).nlink()).as("the victim's link count").isZero();
  }

  @Test
  void createAndUnlink_cacheTheDirectoryAsTheStoreReportedIt() throws Exception {
    InodeId d = a.create(InodeId.ROOT, n("d"), dir()).id();
    a.create(d, n("f"), file());
    a.create(d, n("sub"), dir());
    calls.clear();
    InodeAttributes afterCreates = a.cachedAttributes(d);
    assertThat(calls).as("reported by the creates").isEmpty();
    assertThat(afterCreates).isEqualTo(shared.getAttributes(d));
    assertThat(afterCreates.size()).isEqualTo(2);
    assertThat(afterCreates.nlink()).isEqualTo(3);

    a.unlink(d, n("f"), false, T.plusSeconds(5), null);
    calls.clear();
    InodeAttributes afterUnlink = a.cachedAttributes(d);
    assertThat(a.cachedLookupAttributes(d, n("f"))).as("the removed name, known absent").isEmpty();
    assertThat(calls).as("reported by the unlink").isEmpty();
    assertThat(afterUnlink).isEqualTo(shared.getAttributes(d));
    assertThat(afterUnlink.mtime()).isEqualTo(T.plusSeconds(5));
  }

  /** A store that keeps the SPI default reports no directory attributes: the next read asks the store. */
  @Test
  void aStoreThatReportsNoDirectory_isAskedAgain() throws Exception {
    CachedMetadataStore plain = new CachedMetadataStore(counted(new ForwardingMetadataStore(shared) {
      @Override
      public CreateResult createEntry(InodeId parent, Name name, NewInode spec) throws FsException {
        return new CreateResult(create(parent, name, spec), null);
      }

      @Override
      public UnlinkResult unlink(InodeId parent, Name name, boolean directory, Instant now, InodeId purge)
          throws FsException {
        UnlinkResult r = super.unlink(parent, name, directory, now, purge);
        return new UnlinkResult(r.unlinked(), r.purged(), r.unreferenced());
      }
    }), TTL, ticker);
    long size = plain.cachedAttributes(InodeId.ROOT).size();
    plain.create(InodeId.ROOT, n("f"), file());
    calls.clear();
    assertThat(plain.cachedAttributes(InodeId.ROOT).size()).isEqualTo(size + 1);
    assertThat(calls).containsExactly("getAttributes");
    plain.unlink(InodeId.ROOT, n("f"), false, T, null);
    calls.clear();
    assertThat(plain.cachedAttributes(InodeId.ROOT).size()).isEqualTo(size);
    assertThat(calls).containsExactly("getAttributes");
  }

  /**
   * Two creates in one directory on one host: the one whose report is older than the other's change must not be
   * cached after it (here the second create commits inside the first's store call, so its report is the newer).
   */
  @Test
  void anOlderReportOfTheDirectory_neverOverwritesANewerChange() throws Exception {
    CachedMetadataStore[] self = new CachedMetadataStore[1];
    self[0] = new CachedMetadataStore(new ForwardingMetadataStore(shared) {
      @Override
      public CreateResult createEntry(InodeId parent, Name name, NewInode spec) throws FsException {
        CreateResult r = super.createEntry(parent, name, spec);
        if (name.equals(n("first"))) {
          self[0].create(parent, n("second"), file()); // commits and caches its report before ours returns
        }
        return r;
      }
    }, TTL, ticker);
    long size = self[0].cachedAttributes(InodeId.ROOT).size();
    self[0].create(InodeId.ROOT, n("first"), file());
    assertThat(self[0].cachedAttributes(InodeId.ROOT).size()).isEqualTo(size + 2);
  }

  @Test
  void aFailedChangeWithAPosixAnswer_keepsTheCache() throws Exception {
    a.create(InodeId.ROOT, n("f"), file());
    a.cachedAttributes(InodeId.ROOT);
    assertThatThrownBy(() -> a.unlink(InodeId.ROOT, n("none"), false, T))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
    calls.clear();
    a.cachedLookupAttributes(InodeId.ROOT, n("f"));
    a.cachedLookupAttributes(InodeId.ROOT, n("f"));
    assertThat(calls).as("create cached the entry, and the failed unlink kept it").isEmpty();
  }

  /** Commits gathered into one call: a committed file is cached as its commit left it, a refused one read again. */
  @Test
  void commitContents_cachesWhatEachCommitLeft_andForgetsARefusedOne() throws Exception {
    InodeAttributes f = a.create(InodeId.ROOT, n("f"), file());
    InodeAttributes g = a.create(InodeId.ROOT, n("g"), file());
    a.cachedAttributes(f.id());
    a.cachedAttributes(g.id());
    List<CommitOutcome> out = a.commitContents(List.of(
        new ContentCommit(f.id(), f.version(), 7, List.of(new ChunkRef(0, BlobRef.of("x"), 7)), Long.MAX_VALUE, T, 0),
        new ContentCommit(g.id(), g.version() + 1, 9, List.of(), Long.MAX_VALUE, T, 0)));
    assertThat(out.get(1).failure().error()).isEqualTo(FsError.STALE);
    calls.clear();
    assertThat(a.cachedAttributes(f.id())).isEqualTo(out.get(0).result().attributes());
    assertThat(calls).as("the committed file's attributes came with its commit").isEmpty();
    assertThat(a.cachedAttributes(g.id()).version()).isEqualTo(g.version());
    assertThat(calls).as("the refused commit's file is read again").containsExactly("getAttributes");
  }

  @Test
  void anInodeWithoutXattrs_answersEveryProbeFromMemory_untilOneIsSet() throws Exception {
    InodeAttributes f = a.create(InodeId.ROOT, n("f"), file());
    assertThat(a.cachedGetXattr(f.id(), "security.selinux")).isEmpty();
    calls.clear();
    assertThat(a.cachedGetXattr(f.id(), "security.capability")).isEmpty();
    assertThat(a.cachedGetXattr(f.id(), "user.x")).isEmpty();
    assertThat(calls).isEmpty();

    a.setXattr(f.id(), "user.x", new byte[] {1}, XattrMode.EITHER, T);
    assertThat(a.cachedGetXattr(f.id(), "user.x")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
    assertThat(a.cachedGetXattr(f.id(), "user.y")).isEmpty();
    a.removeXattr(f.id(), "user.x", T);
    assertThat(a.cachedGetXattr(f.id(), "user.x")).isEmpty();
  }

  @Test
  void anotherHostsChange_isSeenAfterTheTtl_orAtOnceWithItsEvent() throws Exception {
    InodeAttributes f = b.create(InodeId.ROOT, n("f"), file());
    a.cachedAttributes(f.id());
    assertThat(a.cachedLookupAttributes(InodeId.ROOT, n("new"))).isEmpty();

    b.setAttributes(f.id(), new AttrUpdate(0600, null, null, null, null, null));
    b.create(InodeId.ROOT, n("new"), file());
    assertThat(a.cachedAttributes(f.id()).mode()).as("within the ttl: stale").isEqualTo(0644);
    assertThat(a.cachedLookupAttributes(InodeId.ROOT, n("new"))).isEmpty();

    a.onChange(new FsChange.Attributes(f.id(), false));
    assertThat(a.cachedAttributes(f.id()).mode()).as("a local event changes nothing").isEqualTo(0644);
    a.onChange(new FsChange.Attributes(f.id(), true));
    assertThat(a.cachedAttributes(f.id()).mode()).as("the remote event").isEqualTo(0600);
    a.onChange(new FsChange.Entry(InodeId.ROOT, n("new"), true));
    assertThat(a.cachedLookupAttributes(InodeId.ROOT, n("new"))).isPresent();

    b.setAttributes(f.id(), new AttrUpdate(0640, null, null, null, null, null));
    b.unlink(InodeId.ROOT, n("new"), false, T);
    ticker.advance(TTL.plusMillis(1));
    assertThat(a.cachedAttributes(f.id()).mode()).as("after the ttl").isEqualTo(0640);
    assertThat(a.cachedLookupAttributes(InodeId.ROOT, n("new"))).isEmpty();
  }

  @Test
  void overflow_forgetsEverything() throws Exception {
    InodeAttributes f = b.create(InodeId.ROOT, n("f"), file());
    a.cachedAttributes(f.id());
    b.setAttributes(f.id(), new AttrUpdate(0600, null, null, null, null, null));
    a.onChange(new FsChange.Overflow(true));
    assertThat(a.cachedAttributes(f.id()).mode()).isEqualTo(0600);
  }

  @Test
  void theSpiReads_alwaysAskTheStore() throws Exception {
    InodeAttributes f = a.create(InodeId.ROOT, n("f"), file());
    a.cachedAttributes(f.id());
    b.setAttributes(f.id(), new AttrUpdate(0600, null, null, null, null, null));
    assertThat(a.getAttributes(f.id()).mode()).isEqualTo(0600);
    assertThat(a.cachedAttributes(f.id()).mode()).as("and refresh the cache").isEqualTo(0600);
  }

  @Test
  void aListingWithAttributes_takesThemFromMemory_andFromTheStoreJoinFromTheFirstUnknownOn() throws Exception {
    InodeId d = a.create(InodeId.ROOT, n("d"), dir()).id();
    for (int i = 0; i < 6; i++) {
      a.create(d, n("f" + i), file());
    }
    InodeAttributes made = b.create(d, n("g"), file()); // another host's file: its attributes are not in a's memory
    b.create(d, n("h"), file());
    b.setAttributes(a.cachedLookupAttributes(d, n("f1")).orElseThrow().id(),
        new AttrUpdate(0600, null, null, null, null, null)); // a's memory keeps 0644 within the ttl, as stat does
    calls.clear();

    List<DirEntryPlus> first = a.cachedReadDirPlus(d, 0, 3);
    assertThat(first).extracting(p -> p.entry().name().toString()).containsExactly("f0", "f1", "f2");
    assertThat(first.get(1).attributes().mode()).as("as cached").isEqualTo(0644);
    assertThat(calls).as("names only").containsExactly("readDir");

    calls.clear();
    List<DirEntryPlus> all = a.cachedReadDirPlus(d, 0, 100);
    assertThat(all).extracting(p -> p.entry().name().toString())
        .containsExactly("f0", "f1", "f2", "f3", "f4", "f5", "g", "h");
    assertThat(all).extracting(p -> p.entry().cookie()).isSorted();
    assertThat(all.get(6).attributes()).isEqualTo(made);
    assertThat(calls).as("the join from g on").containsExactly("readDir", "readDirPlus");

    calls.clear();
    assertThat(a.cachedReadDirPlus(d, 0, 100)).isEqualTo(all);
    assertThat(calls).as("g's and h's attributes were remembered").containsExactly("readDir");

    a.unlink(d, n("f3"), false, T);
    a.setAttributes(made.id(), new AttrUpdate(0640, null, null, null, null, null));
    List<DirEntryPlus> after = a.cachedReadDirPlus(d, 0, 100);
    assertThat(after).extracting(p -> p.entry().name().toString())
        .containsExactly("f0", "f1", "f2", "f4", "f5", "g", "h");
    assertThat(after.get(5).attributes().mode()).as("this host's change, at once").isEqualTo(0640);
    assertThat(a.readDirPlus(d, 0, 100).get(1).attributes().mode()).as("the SPI read: the store's").isEqualTo(0600);
  }

  @Test
  void inADirectoryThisHostMade_anAbsentNameCostsNoStoreCall_untilAnotherHostChangesIt() throws Exception {
    InodeId d = a.create(InodeId.ROOT, n("d"), dir()).id();
    calls.clear();
    assertThat(a.cachedLookupAttributes(d, n("x"))).isEmpty();
    assertThat(a.cachedEntry(d, n("y"))).isEmpty();
    assertThat(calls).isEmpty();

    InodeAttributes x = a.create(d, n("x"), file());
    calls.clear();
    assertThat(a.cachedLookupAttributes(d, n("x"))).contains(x);
    a.rename(d, n("x"), d, n("x2"), RenameFlags.NONE, T);
    assertThat(a.cachedLookupAttributes(d, n("x2")).map(InodeAttributes::id)).contains(x.id());
    calls.clear();
    assertThat(a.cachedLookupAttributes(d, n("x"))).as("renamed away").isEmpty();
    a.unlink(d, n("x2"), false, T);
    calls.clear();
    assertThat(a.cachedLookupAttributes(d, n("x2"))).isEmpty();
    assertThat(calls).isEmpty();

    InodeAttributes y = b.create(d, n("y"), file()); // another host, its event still on the way
    assertThat(a.cachedLookupAttributes(d, n("y"))).as("as late as the kernel would see it").isEmpty();
    a.onChange(new FsChange.Entry(d, n("y"), true));
    assertThat(a.cachedLookupAttributes(d, n("y"))).contains(y);
    calls.clear();
    assertThat(a.cachedLookupAttributes(d, n("z"))).isEmpty();
    assertThat(calls).as("no longer known whole: asks the store").isNotEmpty();
  }

  @Test
  void aNameAnotherHostMadeUnseen_isFoundWhenThisHostCreatesIt_andAfterTheLifetime() throws Exception {
    InodeId d = a.create(InodeId.ROOT, n("d"), dir()).id();
    InodeId e = a.create(InodeId.ROOT, n("e"), dir()).id();
    b.create(d, n("y"), file());
    b.create(e, n("y"), file());
    assertThat(a.cachedLookupAttributes(d, n("y"))).isEmpty();
    assertThatThrownBy(() -> a.create(d, n("y"), file())).isInstanceOf(FsException.class)
        .extracting(t -> ((FsException) t).error()).isEqualTo(FsError.EXISTS);
    assertThat(a.cachedLookupAttributes(d, n("y"))).as("the store asked again").isPresent();

    assertThat(a.cachedLookupAttributes(e, n("y"))).isEmpty();
    ticker.advance(DirectoryNames.LIFETIME.plusMillis(1));
    assertThat(a.cachedLookupAttributes(e, n("y"))).isPresent();
  }

  @Test
  void ttlZero_cachesNothing() throws Exception {
    CachedMetadataStore off = new CachedMetadataStore(counted(shared), Duration.ZERO, ticker);
    InodeAttributes f = off.create(InodeId.ROOT, n("f"), file());
    calls.clear();
    off.cachedAttributes(f.id());
    off.cachedAttributes(f.id());
    off.cachedLookupAttributes(InodeId.ROOT, n("none"));
    off.cachedLookupAttributes(InodeId.ROOT, n("none"));
    assertThat(calls).hasSize(4);
  }
}
