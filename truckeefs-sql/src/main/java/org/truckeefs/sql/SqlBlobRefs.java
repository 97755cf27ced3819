package org.truckeefs.sql;

import static org.truckeefs.sql.Schema.*;
import static org.truckeefs.sql.SqlValues.*;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record1;
import org.jooq.impl.DSL;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobRef;

/**
 * The reference counts of blobs ({@code blob_ref} rows) and the sweeps that find the blobs nobody references: what
 * lets a blob be released once no chunk names it and the grace period has passed.
 *
 * <p>Lock order: the blob rows a transaction changes are always taken in key order (the caller's deltas come in a
 * {@link java.util.TreeMap}), so that two commits sharing blobs cannot deadlock. The counts change inside the
 * caller's transaction ({@link #applyBlobDeltas}), after the inode's row is locked.
 */
final class SqlBlobRefs {
  /**
   * The CASE for unreferenced_since comes first because MariaDB evaluates assignments left to right with the new
   * values, SQLite with the old ones: this way both see the old count.
   */
  private static final String DECREASE_BLOB = "UPDATE blob_ref SET "
      + "unreferenced_since = CASE WHEN refcount + ? <= 0 THEN ? ELSE unreferenced_since END, "
      + "refcount = CASE WHEN refcount + ? > 0 THEN refcount + ? ELSE 0 END WHERE ref = ?";
  private static final String UNREFERENCED_BLOB = "SELECT ref FROM blob_ref WHERE ref = ? AND refcount = 0";

  private final Transactor tx;
  private final SqlRows rows;
  private final Clock clock;
  private final String increaseBlob;

  SqlBlobRefs(Transactor tx, SqlRows rows, Clock clock) {
    this.tx = tx;
    this.rows = rows;
    this.clock = clock;
    this.increaseBlob = "INSERT INTO blob_ref (ref, refcount, unreferenced_since) VALUES (?, ?, NULL) "
        + (tx.engine() == SqlEngine.SQLITE ? "ON CONFLICT (ref) DO UPDATE SET" : "ON DUPLICATE KEY UPDATE")
        + " refcount = refcount + ?, unreferenced_since = NULL";
  }

  /**
   * Applies reference-count changes in key order (so concurrent commits lock blob rows in the same order) and
   * returns the blobs that dropped to zero. The CASE comes first in the SET list because MariaDB evaluates
   * assignments left to right with the new values, SQLite with the old ones: this way both see the old count.
   */
  List<BlobRef> applyBlobDeltas(DSLContext db, Map<String, Long> deltas) throws SQLException {
    long now = nanos(clock.instant());
    List<byte[]> decreased = new ArrayList<>();
    for (Map.Entry<String, Long> d : deltas.entrySet()) {
      long delta = d.getValue();
      byte[] ref = d.getKey().getBytes(StandardCharsets.UTF_8);
      if (delta > 0) {
        HotStatements.prepare(db, increaseBlob, ref, delta, delta).executeUpdate();
      } else if (delta < 0) {
        HotStatements.prepare(db, DECREASE_BLOB, delta, now, delta, delta, ref).executeUpdate();
        decreased.add(ref);
      }
    }
    if (decreased.isEmpty()) {
      return List.of();
    }
    if (decreased.size() == 1) {
      try (ResultSet r = HotStatements.query(db, UNREFERENCED_BLOB, decreased.get(0))) {
        return r.next() ? List.of(blob(r.getBytes(1))) : List.of();
      }
    }
    return db.select(B_REF).from(BLOB).where(B_REF.in(decreased), B_REFCOUNT.eq(0L)).orderBy(B_REF)
        .fetch(r -> blob(r.value1()));
  }

  void noteUnreferenced(Collection<BlobRef> blobs, Instant now) throws FsException {
    if (blobs.isEmpty()) {
      return;
    }
    long t = nanos(now);
    List<byte[]> refs = inKeyOrder(blobs);
    tx.write("noteUnreferenced", db -> {
      for (byte[] r : refs) {
        // A blob some chunk references keeps its count; a known unreferenced one keeps its older time.
        db.insertInto(BLOB, B_REF, B_REFCOUNT, B_UNREFERENCED_SINCE).values(r, 0L, t)
            .onConflict(B_REF).doUpdate()
            .set(B_UNREFERENCED_SINCE, DSL.when(B_REFCOUNT.eq(0L).and(B_UNREFERENCED_SINCE.isNull()), DSL.val(t))
                .otherwise(B_UNREFERENCED_SINCE))
            .execute();
      }
      return null;
    });
  }

  List<BlobRef> takeReleasableBlobs(Instant unreferencedBefore, int limit) throws FsException {
    if (limit <= 0) {
      return List.of();
    }
    long before = nanos(unreferencedBefore);
    return tx.write("takeReleasableBlobs", db -> {
      List<byte[]> refs = rows.lockIf(db.select(B_REF).from(BLOB)
          .where(B_REFCOUNT.eq(0L), B_UNREFERENCED_SINCE.lt(before))
          .orderBy(B_UNREFERENCED_SINCE, B_REF).limit(limit)).fetch(Record1::value1);
      return deleteTaken(db, refs);
    });
  }

  /** Those of {@code blobs} with a count of 0, their rows deleted in one transaction (locked in key order). */
  List<BlobRef> takeUnreferenced(Collection<BlobRef> blobs) throws FsException {
    if (blobs.isEmpty()) {
      return List.of();
    }
    List<byte[]> wanted = inKeyOrder(blobs);
    return tx.write("takeUnreferenced", db -> {
      List<byte[]> refs = rows.lockIf(db.select(B_REF).from(BLOB)
          .where(B_REF.in(wanted), B_REFCOUNT.eq(0L)).orderBy(B_REF)).fetch(Record1::value1);
      return deleteTaken(db, refs);
    });
  }

  /** Deletes the rows of blobs a take found unreferenced (still at 0: the rows are locked) and names them. */
  private static List<BlobRef> deleteTaken(DSLContext db, List<byte[]> refs) {
    if (refs.isEmpty()) {
      return List.of();
    }
    db.deleteFrom(BLOB).where(B_REF.in(refs), B_REFCOUNT.eq(0L)).execute();
    return refs.stream().map(SqlValues::blob).toList();
  }

  /**
   * Distinct references in key order, as {@link #applyBlobDeltas} takes them, so that concurrent transactions lock
   * blob rows in the same order.
   */
  private static List<byte[]> inKeyOrder(Collection<BlobRef> blobs) {
    return blobs.stream().map(BlobRef::value).distinct().sorted()
        .map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
  }

  List<BlobRef> liveBlobs(String afterRef, int limit) throws FsException {
    if (limit <= 0) {
      return List.of();
    }
    return tx.scan("liveBlobs", db -> {
      Condition c = B_REFCOUNT.gt(0L);
      if (afterRef != null) {
        c = c.and(B_REF.gt(afterRef.getBytes(StandardCharsets.UTF_8)));
      }
      return db.select(B_REF).from(BLOB).where(c).orderBy(B_REF).limit(limit).fetch(r -> blob(r.value1()));
    });
  }
}
