package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.DirEntryPlus;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.CommitMark;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/**
 * What the SQL store does beyond the default SPI methods: readdirplus as one join, unlink and purge in one
 * transaction, commit marks, noted unreferenced blobs and the filesystem id (migration V2). Run on both engines.
 */
abstract class AbstractSqlStoreFeaturesTest {
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  MetadataStore store;
  InodeId dir;
  String unique;

  abstract MetadataStore open() throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    store = open();
    store.initRoot(spec(InodeType.DIRECTORY));
    unique = UUID.randomUUID().toString().substring(0, 8);
    dir = store.create(InodeId.ROOT, Name.of("d-" + unique), spec(InodeType.DIRECTORY)).id();
  }

  @AfterEach
  void tearDown() throws Exception {
    store.close();
  }

  static NewInode spec(InodeType type) {
    return new NewInode(type, type == InodeType.DIRECTORY ? 0755 : 0644, 1000, 100, 0, T, null);
  }

  BlobRef blob(String label) {
    return BlobRef.of("blob-" + unique + "-" + label);
  }

  long sent() {
    return ((SqlMetadataStore) store).transactor().statementsSent();
  }

  boolean batches() {
    return ((SqlMetadataStore) store).transactor().engine().batchesStatements();
  }

  /** SQLite has one writer connection, whose turns uploads' commits share; MariaDB commits on several at once. */
  @Test
  void onlySqlite_saysItHasASingleWriter() {
    boolean sqlite = ((SqlMetadataStore) store).transactor().engine() == SqlEngine.SQLITE;
    assertThat(store.singleWriter()).isEqualTo(sqlite);
  }

  /** A name that is not there, and why, in one statement (one round trip on MariaDB), not a second for the directory. */
  @Test
  void lookupOfAnAbsentName_isOneStatement() throws Exception {
    long before = sent();
    assertThat(store.lookup(dir, Name.of("none"))).isEmpty();
    assertThat(sent() - before).isEqualTo(1);
    before = sent();
    assertThat(store.lookupAttributes(dir, Name.of("none"))).isEmpty();
    assertThat(sent() - before).isEqualTo(1);
    InodeId file = store.create(dir, Name.of("file"), spec(InodeType.FILE)).id();
    before = sent();
    assertThat(store.lookupAttributes(dir, Name.of("file"))).hasValueSatisfying(a -> assertThat(a.id()).isEqualTo(file));
    assertThat(store.lookup(dir, Name.of("file"))).hasValueSatisfying(e -> assertThat(e.inode()).isEqualTo(file));
    assertThat(sent() - before).isEqualTo(2);
    assertThatThrownBy(() -> store.lookupAttributes(file, Name.of("x")))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_DIRECTORY));
    assertThatThrownBy(() -> store.lookup(InodeId.of(Long.MAX_VALUE / 2), Name.of("x")))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
  }

  /**
   * The statements of a create and of an unlink that purges an empty file: SQLite runs each on its own; MariaDB
   * sends each whole with its COMMIT in one round trip (a CALL of a stored procedure). SQLite's create looks the
   * name up, then updates the directory, which returns its row (no read of it), then inserts the inode and the
   * entry (no savepoint: every check comes first); its unlink reads the directory and the entry's inode in one
   * join; the purge deletes the inode row without writing its link count.
   */
  @Test
  void createAndUnlinkWithPurge_statementCounts() throws Exception {
    long before = sent();
    InodeAttributes f = store.create(dir, Name.of("f"), spec(InodeType.FILE));
    assertThat(sent() - before).as("create").isEqualTo(batches() ? 1 : 4);
    before = sent();
    assertThat(store.unlink(dir, Name.of("f"), false, T, f.id()).purged()).isTrue();
    assertThat(sent() - before).as("unlink with purge").isEqualTo(batches() ? 1 : 6);
  }

  /**
   * A file's first commit removes no chunks (an inode at version 0 has none). First commit: SQLite the versioned
   * update, the chunk, the blob's count; MariaDB the inode's lock, the chunk, the count, the update and the COMMIT.
   * A later commit of the same blob (its count goes down and up again: no statement for it) removes the old chunk:
   * SQLite in one DELETE ... RETURNING, MariaDB with a read and a delete.
   */
  @Test
  void firstCommit_removesNoChunks_laterOnesReplaceThem() throws Exception {
    InodeAttributes f = store.create(dir, Name.of("f"), spec(InodeType.FILE));
    long before = sent();
    store.commitContent(new ContentCommit(f.id(), 0, 10, List.of(new ChunkRef(0, blob("one"), 10)), Long.MAX_VALUE,
        T.plusSeconds(1), 0));
    long first = sent() - before;
    before = sent();
    CommitResult second = store.commitContent(new ContentCommit(f.id(), 1, 20,
        List.of(new ChunkRef(0, blob("one"), 20)), Long.MAX_VALUE, T.plusSeconds(2), 0));
    long later = sent() - before;
    assertThat(first).as("first commit").isEqualTo(batches() ? 5 : 3);
    assertThat(later).as("later commit").isEqualTo(batches() ? 6 : 3);
    assertThat(second.unreferenced()).isEmpty();
    assertThat(second.attributes().version()).isEqualTo(2);
    assertThat(store.chunks(f.id())).containsExactly(new ChunkRef(0, blob("one"), 20));
  }

  InodeAttributes fileWithChunk(String name, String blob) throws FsException {
    InodeAttributes a = store.create(dir, Name.of(name), spec(InodeType.FILE));
    return store.commitContent(new ContentCommit(a.id(), 0, 10, List.of(new ChunkRef(0, blob(blob), 10)),
        Long.MAX_VALUE, T.plusSeconds(1), 0)).attributes();
  }

  @Test
  void readDirPlus_givesEachEntryWithItsCurrentAttributes_inCookieOrder_pageByPage() throws Exception {
    InodeAttributes a = fileWithChunk("a", "a");
    InodeAttributes b = store.create(dir, Name.of("b"), spec(InodeType.DIRECTORY));
    InodeAttributes c = store.create(dir, Name.of("c"), spec(InodeType.FILE));

    List<DirEntryPlus> first = store.readDirPlus(dir, 0, 2);
    assertThat(first).extracting(e -> e.entry().name().toString()).containsExactly("a", "b");
    assertThat(first.get(0).attributes()).isEqualTo(a);
    assertThat(first.get(0).attributes().size()).isEqualTo(10);
    assertThat(first.get(1).attributes()).isEqualTo(store.getAttributes(b.id()));
    assertThat(first.get(1).entry().type()).isEqualTo(InodeType.DIRECTORY);
    assertThat(first).extracting(e -> e.entry().cookie())
        .containsExactlyElementsOf(store.readDir(dir, 0, 2).stream().map(e -> e.cookie()).toList());

    List<DirEntryPlus> rest = store.readDirPlus(dir, first.get(1).entry().cookie(), 10);
    assertThat(rest).extracting(e -> e.entry().inode()).containsExactly(c.id());
    assertThat(store.readDirPlus(dir, rest.get(0).entry().cookie(), 10)).isEmpty();
  }

  @Test
  void readDirPlus_ofMissingOrNonDirectory_isAnError_ofEmptyDirectory_isEmpty() throws Exception {
    InodeAttributes file = store.create(dir, Name.of("f"), spec(InodeType.FILE));
    InodeAttributes empty = store.create(dir, Name.of("e"), spec(InodeType.DIRECTORY));
    assertThat(store.readDirPlus(empty.id(), 0, 10)).isEmpty();
    assertThatThrownBy(() -> store.readDirPlus(file.id(), 0, 10))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_DIRECTORY));
    assertThatThrownBy(() -> store.readDirPlus(InodeId.of(987_654_321L), 0, 10))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
  }

  @Test
  void commitMarks_areRecordedWithTheCommit_perOwner_andClearedUpToASeq() throws Exception {
    InodeAttributes f = store.create(dir, Name.of("f"), spec(InodeType.FILE));
    String owner = "host-" + unique;
    String other = "other-" + unique;
    for (int seq = 1; seq <= 3; seq++) {
      store.commitContent(new ContentCommit(f.id(), seq - 1, seq, List.of(), Long.MAX_VALUE, T.plusSeconds(seq), 0,
          new CommitMark(owner, seq * 10L)));
    }
    store.commitContent(new ContentCommit(f.id(), 3, 4, List.of(), Long.MAX_VALUE, T.plusSeconds(4), 0,
        new CommitMark(other, 5)));
    assertThat(store.commitMarks(owner)).containsExactly(10L, 20L, 30L);
    assertThat(store.commitMarks(other)).containsExactly(5L);

    store.clearCommitMarks(owner, 20);
    assertThat(store.commitMarks(owner)).containsExactly(30L);
    assertThat(store.commitMarks(other)).containsExactly(5L);
  }

  @Test
  void commitMark_ofAFailedCommit_isNotRecorded() throws Exception {
    InodeAttributes f = store.create(dir, Name.of("f"), spec(InodeType.FILE));
    String owner = "host-" + unique;
    assertThatThrownBy(() -> store.commitContent(new ContentCommit(f.id(), 7, 1, List.of(), Long.MAX_VALUE, T, 0,
        new CommitMark(owner, 1))))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.STALE));
    assertThat(store.commitMarks(owner)).isEmpty();
  }

  @Test
  void noteUnreferenced_releasesAnUncommittedBlob_afterTheGrace_butNeverAReferencedOne() throws Exception {
    fileWithChunk("f", "kept");
    Instant noted = Instant.now();
    store.noteUnreferenced(List.of(blob("orphan"), blob("kept")), noted);
    assertThat(store.takeReleasableBlobs(noted, 100)).as("not before the grace period").doesNotContain(blob("orphan"));
    List<BlobRef> released = store.takeReleasableBlobs(noted.plusSeconds(1), 100);
    assertThat(released).contains(blob("orphan")).doesNotContain(blob("kept"));
    assertThat(store.liveBlobs(null, 10_000)).contains(blob("kept"));
  }

  @Test
  void filesystemId_isMadeUpOnce_andTheSameAfterReopening() throws Exception {
    String id = store.filesystemId();
    assertThat(id).matches("[A-Za-z0-9_.-]{1,64}");
    assertThat(store.filesystemId()).isEqualTo(id);
    store.close();
    store = open();
    assertThat(store.filesystemId()).isEqualTo(id);
  }
}
