package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.core.ChunkLayers.Clean;
import org.truckeefs.core.ChunkLayers.Dirty;
import org.truckeefs.core.ChunkLayers.Hole;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;

/**
 * {@link ChunkLayers}: which layer answers for a chunk, and the file's length through writes, truncates, seals,
 * commits, other hosts' commits and a discard. No file is touched: the chunks are bookkeeping only.
 */
class ChunkLayersTest {
  static final int CHUNK = 100;
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  /** A committed file of version 1: chunks 0..2 full, chunk 3 of 50 bytes (350 bytes). */
  final ChunkLayers layers = new ChunkLayers(CHUNK, 1, 350,
      List.of(ref(0, "c0", CHUNK), ref(1, "c1", CHUNK), ref(2, "c2", CHUNK), ref(3, "c3", 50)));

  static ChunkRef ref(long idx, String blob, long length) {
    return new ChunkRef(idx, BlobRef.of(blob), length);
  }

  /** A dirty chunk of this host, written over {@code [0, written)}. */
  static DirtyChunk chunk(long idx, long length, long written, long epoch) {
    ByteRanges r = new ByteRanges();
    if (written > 0) {
      r.add(0, written);
    }
    return new DirtyChunk(idx, Path.of("unused-" + idx), null, length, r, epoch);
  }

  static InodeAttributes attrs(long size, long version) {
    return new InodeAttributes(InodeId.of(7), InodeType.FILE, 0644, 0, 0, size, 1, 0, T, T, T, T, version);
  }

  /** Writes a dirty chunk of {@code length} bytes and reports the write's end, as a write of it would. */
  DirtyChunk write(long idx, long length) {
    DirtyChunk d = chunk(idx, length, length, layers.epoch());
    layers.addDirty(d);
    layers.wrote(idx * CHUNK + length);
    return d;
  }

  static DirtyChunk dirtyOf(ChunkLayers.Source s) {
    assertThat(s).isInstanceOf(Dirty.class);
    return ((Dirty) s).chunk();
  }

  // ---- which layer answers

  @Test
  void resolve_dirtyWinsOverPendingWhichWinsOverCommitted() {
    DirtyChunk sealed1 = write(1, CHUNK);
    DirtyChunk sealed2 = write(2, CHUNK);
    layers.seal(T);
    DirtyChunk newer2 = write(2, 60);

    assertThat(layers.resolve(0)).isEqualTo(new Clean(ref(0, "c0", CHUNK)));
    assertThat(dirtyOf(layers.resolve(1))).isSameAs(sealed1);
    assertThat(dirtyOf(layers.resolve(2))).isSameAs(newer2).isNotSameAs(sealed2);
    assertThat(layers.resolve(3).length()).isEqualTo(50);
  }

  @Test
  void resolve_aNewerSnapshotWinsOverAnOlderOne() {
    write(1, CHUNK);
    layers.seal(T);
    DirtyChunk second = write(1, 30);
    layers.seal(T);

    assertThat(dirtyOf(layers.resolve(1))).isSameAs(second);
    assertThat(layers.resolve(1).length()).isEqualTo(30);
  }

  @Test
  void resolve_aTruncateHidesEveryLayerBelowFromItsCut() {
    write(2, CHUNK);
    layers.seal(T);
    layers.dropPast(150); // keeps chunks 0 and 1 (the end falls in chunk 1)
    layers.truncated(150);

    assertThat(layers.resolve(1)).isInstanceOf(Clean.class);
    assertThat(layers.resolve(2)).isInstanceOf(Hole.class); // the sealed chunk 2 is cut off
    assertThat(layers.resolve(3)).isInstanceOf(Hole.class); // and the committed chunk 3
    assertThat(layers.resolve(3).length()).isZero();
  }

  @Test
  void resolve_aChunkWrittenAgainPastTheCutIsTheDirtyOne() {
    layers.dropPast(0);
    layers.truncated(0);
    DirtyChunk again = write(3, 10);

    assertThat(dirtyOf(layers.resolve(3))).isSameAs(again);
    assertThat(layers.resolve(2)).isInstanceOf(Hole.class);
  }

  @Test
  void resolve_aSealedCutHidesTheCommittedChunks_andItsCommitDropsThem() {
    layers.dropPast(100);
    layers.truncated(100);
    Snapshot s = layers.seal(T);

    assertThat(layers.resolve(2)).isInstanceOf(Hole.class);
    layers.commit(s, attrs(100, 2), Map.of());
    assertThat(layers.resolve(2)).isInstanceOf(Hole.class); // the commit dropped them from the committed map
    assertThat(layers.resolve(1)).isInstanceOf(Hole.class);
    assertThat(layers.resolve(0)).isInstanceOf(Clean.class);
  }

  @Test
  void resolve_aChunkNoLayerHasIsAHole() {
    assertThat(layers.resolve(9)).isSameAs(ChunkLayers.HOLE);
  }

  // ---- sizes

  @Test
  void size_aWriteOnlyGrowsIt_aTruncateSetsIt() {
    write(0, 10);
    assertThat(layers.size()).isEqualTo(350);
    write(5, 20);
    assertThat(layers.size()).isEqualTo(520);
    layers.dropPast(40);
    layers.truncated(40);
    assertThat(layers.size()).isEqualTo(40);
    layers.truncated(1000); // a truncate up needs no chunk dropped
    assertThat(layers.size()).isEqualTo(1000);
  }

  @Test
  void dropPast_returnsTheDirtyChunksWhollyPastTheEnd_andKeepsTheOneHoldingIt() {
    DirtyChunk c1 = write(1, CHUNK);
    DirtyChunk c2 = write(2, CHUNK);
    DirtyChunk c3 = write(3, CHUNK);

    assertThat(layers.dropPast(150)).containsExactly(c2, c3);
    assertThat(layers.dirtyChunk(1)).isSameAs(c1);
    assertThat(layers.dirtyChunk(2)).isNull();
  }

  @Test
  void commit_ofTheLastLocalChange_takesTheCommittedLength() {
    write(4, 10); // 410
    Snapshot s = layers.seal(T);
    layers.commit(s, attrs(500, 2), Map.of(4L, ref(4, "c4", 10))); // a rebased commit merged a longer length in

    assertThat(layers.size()).isEqualTo(500);
    assertThat(layers.version()).isEqualTo(2);
    assertThat(layers.clean()).isTrue();
    assertThat(layers.resolve(4)).isEqualTo(new Clean(ref(4, "c4", 10)));
  }

  @Test
  void commit_underNewerLocalChanges_keepsTheLocalLength() {
    write(4, 10);
    Snapshot s = layers.seal(T);
    write(6, 10); // 610, not sealed yet
    layers.commit(s, attrs(410, 2), Map.of(4L, ref(4, "c4", 10)));

    assertThat(layers.size()).isEqualTo(610);
    assertThat(layers.clean()).isFalse();
    assertThat(layers.pending()).isEmpty();
  }

  @Test
  void commit_underAnotherPendingSnapshot_keepsTheLocalLength() {
    write(4, 10);
    Snapshot first = layers.seal(T);
    layers.dropPast(20);
    layers.truncated(20);
    layers.seal(T);
    layers.commit(first, attrs(410, 2), Map.of(4L, ref(4, "c4", 10)));

    assertThat(layers.size()).isEqualTo(20);
    assertThat(layers.pending()).hasSize(1);
  }

  @Test
  void refresh_ofACleanFile_takesTheirLengthAndChunks() {
    assertThat(layers.refresh(attrs(120, 5), List.of(ref(0, "t0", CHUNK), ref(1, "t1", 20)))).isTrue();

    assertThat(layers.size()).isEqualTo(120);
    assertThat(layers.version()).isEqualTo(5);
    assertThat(layers.epoch()).isEqualTo(1);
    assertThat(layers.resolve(1)).isEqualTo(new Clean(ref(1, "t1", 20)));
    assertThat(layers.resolve(2)).isInstanceOf(Hole.class);
  }

  @Test
  void refresh_underLocalWrites_keepsTheLongerLength() {
    write(0, 10);
    assertThat(layers.refresh(attrs(900, 5), List.of())).isTrue();
    assertThat(layers.size()).isEqualTo(900);

    write(9, 50); // 950
    layers.refresh(attrs(600, 6), List.of());
    assertThat(layers.size()).isEqualTo(950);
  }

  @Test
  void refresh_underALocalTruncate_keepsTheLocalLength() {
    layers.dropPast(10);
    layers.truncated(10);
    layers.seal(T); // the length set is sealed, still pending
    layers.refresh(attrs(900, 5), List.of());

    assertThat(layers.size()).isEqualTo(10);
  }

  @Test
  void refresh_toAnOlderOrTheSameVersion_changesNothing() {
    assertThat(layers.refresh(attrs(5, 1), List.of())).isFalse();

    assertThat(layers.size()).isEqualTo(350);
    assertThat(layers.epoch()).isZero();
    assertThat(layers.resolve(0)).isInstanceOf(Clean.class);
  }

  @Test
  void mergedSize_isTheSnapshotsOwnWhenItSetTheLength() {
    layers.dropPast(30);
    layers.truncated(30);
    Snapshot s = layers.seal(T);
    layers.refresh(attrs(800, 2), List.of());

    assertThat(layers.mergedSize(s)).isEqualTo(30);
  }

  @Test
  void mergedSize_isTheLongerOfTheirLengthAndTheEndOfWhatThisHostWrote() {
    layers.addDirty(chunk(5, CHUNK, 40, 0)); // this host wrote [500, 540) of chunk 5
    layers.wrote(540);
    Snapshot s = layers.seal(T);

    layers.refresh(attrs(200, 2), List.of());
    assertThat(layers.mergedSize(s)).isEqualTo(540);
    layers.refresh(attrs(800, 3), List.of());
    assertThat(layers.mergedSize(s)).isEqualTo(800);
  }

  // ---- sealing, recovery, rebase, discard

  @Test
  void seal_withoutAChange_isNull_andOtherwiseQueuesTheDirtyLayerInOrder() {
    assertThat(layers.seal(T)).isNull();
    DirtyChunk d = write(0, 10);
    Snapshot first = layers.seal(T);
    write(1, 10);
    Snapshot second = layers.seal(T.plusSeconds(1));

    assertThat(first.chunks()).containsValue(d);
    assertThat(first.baseVersion).isEqualTo(1);
    assertThat(second.seq).isGreaterThan(first.seq);
    assertThat(layers.pending()).containsExactly(first, second);
    assertThat(layers.dirtyChunk(1)).isNull();
    assertThat(layers.changed()).isFalse();
    assertThat(layers.clean()).isFalse();
  }

  @Test
  void stale_listsTheChunksCopiedBeforeAnotherHostsCommit_withTheirBytesBelowTheCut() {
    write(0, CHUNK);
    write(1, CHUNK);
    Snapshot s = layers.seal(T);
    layers.refresh(attrs(350, 2), List.of(ref(0, "t0", CHUNK), ref(1, "t1", CHUNK)));

    ChunkLayers.Stale stale = layers.stale(s);
    assertThat(stale.epoch()).isEqualTo(1);
    assertThat(stale.chunks()).extracting(d -> d.index).containsExactly(0L, 1L);
    assertThat(stale.theirs()).containsOnlyKeys(0L, 1L);

    // rebuilt on the current epoch: nothing stale any more
    s.supersede(s.chunks().get(0L), chunk(0, CHUNK, CHUNK, 1));
    assertThat(layers.stale(s).chunks()).extracting(d -> d.index).containsExactly(1L);
  }

  @Test
  void stale_ignoresTheirBytesPastTheSnapshotsCut() {
    layers.dropPast(100);
    layers.truncated(100);
    write(2, 10);
    Snapshot s = layers.seal(T);
    layers.refresh(attrs(350, 2), List.of(ref(2, "t2", CHUNK)));

    assertThat(layers.stale(s).theirs()).isEmpty();
  }

  @Test
  void addRecovered_onTheCommittedVersion_isCurrent_elseStale() {
    DirtyChunk onCurrent = chunk(0, 10, 10, 99);
    layers.addRecovered(new PendingUpload(10, Long.MAX_VALUE, T, false, Long.MAX_VALUE, List.of()), 7, 1,
        List.of(onCurrent));
    DirtyChunk onOlder = chunk(1, 10, 10, 99);
    layers.addRecovered(new PendingUpload(110, Long.MAX_VALUE, T, false, Long.MAX_VALUE, List.of()), 8, 0,
        List.of(onOlder));

    assertThat(onCurrent.baseEpoch).isEqualTo(layers.epoch());
    assertThat(onOlder.baseEpoch).isEqualTo(-1);
    assertThat(layers.size()).isEqualTo(110);
    assertThat(layers.firstUnjournaled()).isNull();
    assertThat(dirtyOf(layers.resolve(1))).isSameAs(onOlder);
  }

  @Test
  void dropLocal_returnsEveryLocalChunk_andLeavesTheCommittedView() {
    DirtyChunk sealed = write(0, 10);
    Snapshot s = layers.seal(T);
    DirtyChunk rebuilt = chunk(0, 10, 10, 0);
    s.supersede(sealed, rebuilt);
    DirtyChunk unsealed = write(1, 10);

    assertThat(layers.localChunks()).containsExactlyInAnyOrder(sealed, rebuilt, unsealed);
    assertThat(layers.dropLocal()).containsExactlyInAnyOrder(sealed, rebuilt, unsealed);
    assertThat(layers.idle()).isTrue();
    assertThat(layers.pending()).isEmpty();
    assertThat(layers.resolve(0)).isEqualTo(new Clean(ref(0, "c0", CHUNK)));
    assertThat(layers.resolve(1)).isEqualTo(new Clean(ref(1, "c1", CHUNK)));
  }

  @Test
  void idle_needsNoDirtyChunkEither() {
    layers.addDirty(chunk(0, 10, 10, 0)); // a chunk made by a write that failed before reaching the file
    assertThat(layers.clean()).isTrue();
    assertThat(layers.idle()).isFalse();
  }
}
