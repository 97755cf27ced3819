package org.truckeefs.sql;

import static org.truckeefs.sql.Schema.*;
import static org.truckeefs.sql.SqlValues.*;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.impl.DSL;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitOutcome;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.sql.SqlRows.Row;
import org.truckeefs.sql.Transactor.Body;

/**
 * A file's content as the store records it: its chunk list, the compare-and-set that commits an upload (chunks,
 * blob counts, size and version, journal entry and commit mark in one transaction), the upload journal, the commit
 * marks, and the purge of an orphan's rows.
 *
 * <p>Lock order: a commit locks the inode's row first (SELECT ... FOR UPDATE on MariaDB), then its chunks, then
 * the blob rows in key order ({@link SqlBlobRefs}); a purge that comes with an unlink reads the chunk list only
 * after the inode's lock, for the same reason.
 */
final class SqlContentCommits {
  private static final String SELECT_CHUNK_BLOBS = "SELECT blob_ref FROM chunk WHERE inode_id = ?";
  private static final String DELETE_CHUNKS = "DELETE FROM chunk WHERE inode_id = ?";
  private static final String DELETE_XATTRS = "DELETE FROM xattr WHERE inode_id = ?";
  private static final String DELETE_INODE = "DELETE FROM inode WHERE id = ?";
  private static final String INSERT_JOURNAL = "INSERT INTO upload_journal (inode_id, owner, base_version, payload, "
      + "created) VALUES (?, ?, ?, ?, ?) RETURNING id";
  private static final String DELETE_JOURNAL = "DELETE FROM upload_journal WHERE id = ?";
  private static final String SELECT_CHUNKS_DROPPED = "SELECT blob_ref FROM chunk WHERE inode_id = ? AND idx >= ?";
  private static final String SELECT_CHUNKS_REPLACED_ONE =
      "SELECT blob_ref FROM chunk WHERE inode_id = ? AND (idx >= ? OR idx = ?)";
  private static final String DELETE_CHUNKS_DROPPED = "DELETE FROM chunk WHERE inode_id = ? AND idx >= ?";
  private static final String DELETE_CHUNKS_REPLACED_ONE =
      "DELETE FROM chunk WHERE inode_id = ? AND (idx >= ? OR idx = ?)";
  private static final String INSERT_CHUNK = "INSERT INTO chunk (inode_id, idx, blob_ref, length) VALUES (?, ?, ?, ?)";
  /** ctime follows the write's mtime but never goes back: the upload may commit after a later chmod. */
  private static final String UPDATE_CONTENT = "UPDATE inode SET size = ?, mtime = ?, "
      + "ctime = CASE WHEN ctime > ? THEN ctime ELSE ? END, version = version + 1 WHERE id = ?";
  /**
   * SQLite's commit in fewer statements: the compare-and-set on the version, the update and the row it leaves in one
   * (no row: the inode is missing, a directory or at another version, which {@link #refusal} tells apart).
   */
  private static final String UPDATE_CONTENT_IF_AT = "UPDATE inode SET size = ?, mtime = ?, "
      + "ctime = CASE WHEN ctime > ? THEN ctime ELSE ? END, version = version + 1 "
      + "WHERE id = ? AND version = ? AND type <> ? RETURNING " + SqlRows.INODE_COLUMNS;
  /** The chunks a commit replaces, removed and named in one statement (SQLite's RETURNING; MySQL has none). */
  private static final String DELETE_CHUNKS_DROPPED_RETURNING = DELETE_CHUNKS_DROPPED + " RETURNING blob_ref";
  private static final String DELETE_CHUNKS_REPLACED_ONE_RETURNING = DELETE_CHUNKS_REPLACED_ONE
      + " RETURNING blob_ref";

  private final Transactor tx;
  private final SqlRows rows;
  private final SqlBlobRefs blobs;
  private final String insertMark;

  SqlContentCommits(Transactor tx, SqlRows rows, SqlBlobRefs blobs) {
    this.tx = tx;
    this.rows = rows;
    this.blobs = blobs;
    // What jOOQ's onConflict(owner, seq).doNothing() renders on each engine.
    this.insertMark = tx.engine() == SqlEngine.SQLITE
        ? "INSERT INTO commit_mark (owner, seq) VALUES (?, ?) ON CONFLICT (owner, seq) DO NOTHING"
        : "INSERT IGNORE INTO commit_mark (owner, seq) VALUES (?, ?)";
  }

  List<ChunkRef> chunks(InodeId inode) throws FsException {
    return tx.read("chunks", db -> {
      List<ChunkRef> out = new ArrayList<>();
      for (Record r : db.select(C_IDX, C_BLOB, C_LENGTH).from(CHUNK).where(C_INODE.eq(inode.value()))
          .orderBy(C_IDX).fetch()) {
        out.add(new ChunkRef(r.get(C_IDX), blob(r.get(C_BLOB)), r.get(C_LENGTH)));
      }
      if (out.isEmpty()) {
        rows.existing(db, inode, false);
      }
      return out;
    });
  }

  CommitResult commitContent(ContentCommit commit) throws FsException {
    return tx.write("commitContent", commitBody(commit));
  }

  /**
   * Independent commits (of different files), each its own atomic write as {@link #commitContent}'s, queued on
   * SQLite's single writer together, so that many uploads' commits take its lock once. SQLite only.
   */
  List<CommitOutcome> commitContents(List<ContentCommit> commits) {
    List<CommitOutcome> out = new ArrayList<>(commits.size());
    List<Body<CommitResult>> bodies = new ArrayList<>(commits.size());
    List<Integer> at = new ArrayList<>(commits.size());
    for (ContentCommit c : commits) {
      try {
        bodies.add(commitBody(c));
        at.add(out.size());
        out.add(null);
      } catch (FsException e) {
        out.add(CommitOutcome.failed(e));
      }
    }
    List<Transactor.Written<CommitResult>> written = tx.writeAll("commitContent", bodies);
    for (int i = 0; i < written.size(); i++) {
      Transactor.Written<CommitResult> w = written.get(i);
      out.set(at.get(i), w.failure() != null ? CommitOutcome.failed(w.failure()) : CommitOutcome.of(w.result()));
    }
    return out;
  }

  /** The transaction body of one commit, once its arguments are checked. */
  private Body<CommitResult> commitBody(ContentCommit commit) throws FsException {
    Set<Long> upsertIndexes = new HashSet<>();
    for (ChunkRef c : commit.upserts()) {
      if (!upsertIndexes.add(c.index())) {
        throw new FsException(FsError.INVALID, "chunk " + c.index() + " appears twice in one commit");
      }
    }
    long mtime = nanos(commit.mtime());
    if (tx.engine() == SqlEngine.SQLITE) {
      return commitOnSqlite(commit, mtime);
    }
    return db -> {
      long id = commit.inode().value();
      InodeAttributes row = rows.existing(db, commit.inode(), true).a();
      FsException refused = refusal(row, commit);
      if (refused != null) {
        throw refused;
      }
      Map<String, Long> deltas = new TreeMap<>();
      replaceChunks(db, id, commit, deltas);
      List<BlobRef> unreferenced = blobs.applyBlobDeltas(db, deltas);
      HotStatements.prepare(db, UPDATE_CONTENT, commit.newSize(), mtime, mtime, mtime, id).executeUpdate();
      closeOut(db, commit);
      // The row was read (and on MariaDB locked) above: its new state is what UPDATE_CONTENT made of it.
      long ctime = Math.max(nanos(row.ctime()), mtime);
      InodeAttributes after = new InodeAttributes(row.id(), row.type(), row.mode(), row.uid(), row.gid(),
          commit.newSize(), row.nlink(), row.rdev(), row.atime(), instant(mtime), instant(ctime), row.crtime(),
          row.version() + 1);
      return new CommitResult(after, unreferenced);
    };
  }

  /**
   * {@link #commitContent} on SQLite, whose single writer needs no row locks and whose statements return rows: the
   * version-checked update first (it returns the inode's new row), then the replaced chunks removed and named in one
   * statement. A small file's first commit is five statements instead of seven, each of which the write-behind also
   * records in its redo log.
   */
  private Body<CommitResult> commitOnSqlite(ContentCommit commit, long mtime) {
    // Checks first (no savepoint on SQLite's writer): only the versioned update can refuse, and it changes nothing
    // then; the replaced chunks are gone before the new ones go in, blob counts and marks cannot be refused.
    return (Transactor.ChecksFirst<CommitResult>) db -> {
      long id = commit.inode().value();
      InodeAttributes after;
      try (ResultSet r = HotStatements.query(db, UPDATE_CONTENT_IF_AT, commit.newSize(), mtime, mtime, mtime, id,
          commit.expectedVersion(), code(InodeType.DIRECTORY))) {
        if (!r.next()) {
          // Changed no row: a second look says why (ENOENT from existing(), else EISDIR or ESTALE).
          FsException refused = refusal(rows.existing(db, commit.inode(), false).a(), commit);
          throw refused != null ? refused
              : new FsException(FsError.IO, "the commit of " + commit.inode() + " changed no row");
        }
        after = SqlRows.row(r).a();
      }
      Map<String, Long> deltas = new TreeMap<>();
      replaceChunks(db, id, commit, deltas);
      List<BlobRef> unreferenced = blobs.applyBlobDeltas(db, deltas);
      closeOut(db, commit);
      return new CommitResult(after, unreferenced);
    };
  }

  /** EISDIR or ESTALE when {@code commit} cannot apply to {@code row}; null when it can. */
  private static FsException refusal(InodeAttributes row, ContentCommit commit) {
    if (row.type() == InodeType.DIRECTORY) {
      return new FsException(FsError.IS_DIRECTORY, "inode " + commit.inode() + " is a directory");
    }
    if (row.version() != commit.expectedVersion()) {
      return new FsException(FsError.STALE, "inode " + commit.inode() + " is at version " + row.version()
          + ", the commit expected " + commit.expectedVersion());
    }
    return null;
  }

  /**
   * Removes the chunks {@code commit} replaces or drops (their blobs counted down in {@code deltas}) and inserts its
   * new ones (counted up). The common commit (a small file: at most one chunk replaced) runs on cached statements,
   * and on SQLite removes and names the old chunks in one statement.
   */
  private void replaceChunks(DSLContext db, long id, ContentCommit commit, Map<String, Long> deltas)
      throws SQLException {
    if (commit.upserts().size() > 1) {
      replaceManyChunks(db, id, commit, deltas);
      return;
    }
    boolean one = commit.upserts().size() == 1;
    if (commit.expectedVersion() == 0) {
      // A file's first commit: only a commit inserts chunks and every commit moves the version on, so an inode still
      // at version 0 has none to remove (the commit's check of the version comes first, in the same transaction).
      if (one) {
        insertChunk(db, id, commit.upserts().get(0), deltas);
      }
      return;
    }
    Object[] where = one ? new Object[] {id, commit.dropFromIndex(), commit.upserts().get(0).index()}
        : new Object[] {id, commit.dropFromIndex()};
    boolean returning = tx.engine() == SqlEngine.SQLITE;
    String removed = returning ? (one ? DELETE_CHUNKS_REPLACED_ONE_RETURNING : DELETE_CHUNKS_DROPPED_RETURNING)
        : (one ? SELECT_CHUNKS_REPLACED_ONE : SELECT_CHUNKS_DROPPED);
    try (ResultSet r = HotStatements.query(db, removed, where)) {
      while (r.next()) {
        deltas.merge(new String(r.getBytes(1), StandardCharsets.UTF_8), -1L, Long::sum);
      }
    }
    if (!returning) {
      HotStatements.prepare(db, one ? DELETE_CHUNKS_REPLACED_ONE : DELETE_CHUNKS_DROPPED, where).executeUpdate();
    }
    if (one) {
      insertChunk(db, id, commit.upserts().get(0), deltas);
    }
  }

  private static void insertChunk(DSLContext db, long id, ChunkRef c, Map<String, Long> deltas) throws SQLException {
    HotStatements.prepare(db, INSERT_CHUNK, id, c.index(), bytes(c.blob()), c.length()).executeUpdate();
    deltas.merge(c.blob().value(), 1L, Long::sum);
  }

  /** Replaces several chunks (a large commit): the replaced ones' blobs counted down, the new ones inserted. */
  private static void replaceManyChunks(DSLContext db, long id, ContentCommit commit, Map<String, Long> deltas) {
    Set<Long> upsertIndexes = new HashSet<>();
    commit.upserts().forEach(c -> upsertIndexes.add(c.index()));
    Condition replaced = C_IDX.ge(commit.dropFromIndex()).or(C_IDX.in(upsertIndexes));
    for (Record1<byte[]> old : db.select(C_BLOB).from(CHUNK).where(C_INODE.eq(id)).and(replaced).fetch()) {
      deltas.merge(new String(old.value1(), StandardCharsets.UTF_8), -1L, Long::sum);
    }
    db.deleteFrom(CHUNK).where(C_INODE.eq(id)).and(replaced).execute();
    var insert = db.insertInto(CHUNK, C_INODE, C_IDX, C_BLOB, C_LENGTH);
    for (ChunkRef c : commit.upserts()) {
      insert = insert.values(id, c.index(), bytes(c.blob()), c.length());
      deltas.merge(c.blob().value(), 1L, Long::sum);
    }
    insert.execute();
  }

  /** The commit's journal entry removed and its mark recorded, in its transaction. */
  private void closeOut(DSLContext db, ContentCommit commit) throws SQLException, FsException {
    if (commit.journalId() != 0) {
      HotStatements.prepare(db, DELETE_JOURNAL, commit.journalId()).executeUpdate();
    }
    if (commit.mark() != null) {
      // Every upload's commit carries a mark: from the statement cache (through jOOQ it was parsed anew each time,
      // a fifth of an upload thread's commit in a profile).
      HotStatements.prepare(db, insertMark, owner(commit.mark().owner()), commit.mark().seq()).executeUpdate();
    }
  }

  List<Long> commitMarks(String owner) throws FsException {
    byte[] o = owner(owner);
    return tx.scan("commitMarks", db -> db.select(K_SEQ).from(MARK).where(K_OWNER.eq(o)).orderBy(K_SEQ)
        .fetch(Record1::value1));
  }

  void clearCommitMarks(String owner, long upToSeq) throws FsException {
    byte[] o = owner(owner);
    tx.write("clearCommitMarks", db -> db.deleteFrom(MARK).where(K_OWNER.eq(o), K_SEQ.le(upToSeq)).execute());
  }

  CommitResult purge(InodeId inode) throws FsException {
    return tx.write("purge", db -> {
      long id = inode.value();
      Row row = rows.inodeRow(db, id, true);
      if (row == null) {
        return new CommitResult(null, List.of());
      }
      if (row.a().nlink() > 0) {
        throw new FsException(FsError.BUSY, "inode " + inode + " still has " + row.a().nlink() + " links");
      }
      return new CommitResult(null, purgeIn(db, id, null));
    });
  }

  /**
   * Deletes a locked orphan's rows in the caller's transaction; returns the blobs left unreferenced.
   * {@code chunkBlobs}: the inode's chunk list if the caller already read it (after the inode's lock), else null.
   */
  List<BlobRef> purgeIn(DSLContext db, long id, List<byte[]> chunkBlobs) throws SQLException {
    Map<String, Long> deltas = new TreeMap<>();
    if (chunkBlobs == null) {
      chunkBlobs = new ArrayList<>();
      try (ResultSet r = HotStatements.query(db, SELECT_CHUNK_BLOBS, id)) {
        while (r.next()) {
          chunkBlobs.add(r.getBytes(1));
        }
      }
    }
    for (byte[] b : chunkBlobs) {
      deltas.merge(new String(b, StandardCharsets.UTF_8), -1L, Long::sum);
    }
    // The deletes go with the COMMIT; nothing below reads the rows they remove.
    if (!deltas.isEmpty()) {
      DeferredStatements.atCommit(db, DELETE_CHUNKS, null, id);
    }
    DeferredStatements.atCommit(db, DELETE_XATTRS, null, id);
    DeferredStatements.atCommit(db, DELETE_INODE, null, id);
    return blobs.applyBlobDeltas(db, deltas);
  }

  List<InodeId> orphans() throws FsException {
    // 0 inlined, not bound: SQLite uses its partial index (WHERE nlink = 0) only for a query that says nlink = 0.
    return tx.scan("orphans", db -> db.select(I_ID).from(INODE).where(I_NLINK.eq(DSL.inline(0L))).orderBy(I_ID)
        .fetch(r -> InodeId.of(r.value1())));
  }

  // ---- upload journal ----

  JournalEntry journalAppend(JournalEntry entry) throws FsException {
    byte[] owner = entry.owner().getBytes(StandardCharsets.UTF_8);
    if (owner.length > 255) {
      throw new FsException(FsError.INVALID, "journal owner name is longer than 255 bytes");
    }
    return tx.write("journalAppend", db -> {
      try (ResultSet r = HotStatements.query(db, INSERT_JOURNAL, entry.inode().value(), owner, entry.baseVersion(),
          entry.payload(), nanos(entry.created()))) {
        r.next();
        return entry.withId(r.getLong(1));
      }
    });
  }

  List<JournalEntry> journal(String owner) throws FsException {
    return tx.scan("journal", db -> db.select(J_ID, J_INODE, J_OWNER, J_BASE_VERSION, J_PAYLOAD, J_CREATED)
        .from(JOURNAL).where(J_OWNER.eq(owner.getBytes(StandardCharsets.UTF_8))).orderBy(J_ID)
        .fetch(r -> new JournalEntry(r.get(J_ID), InodeId.of(r.get(J_INODE)),
            new String(r.get(J_OWNER), StandardCharsets.UTF_8), r.get(J_BASE_VERSION), r.get(J_PAYLOAD),
            instant(r.get(J_CREATED)))));
  }

  void journalRemove(long id) throws FsException {
    tx.write("journalRemove", db -> HotStatements.prepare(db, DELETE_JOURNAL, id).executeUpdate());
  }

  private static byte[] owner(String owner) throws FsException {
    byte[] b = owner.getBytes(StandardCharsets.UTF_8);
    if (b.length > 255) {
      throw new FsException(FsError.INVALID, "commit mark owner name is longer than 255 bytes");
    }
    return b;
  }
}
