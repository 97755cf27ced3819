package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.CreateResult;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.UnlinkResult;

class MariaDbStoreFeaturesIT extends AbstractSqlStoreFeaturesTest {
  @RegisterExtension static final MariaDbDatabase db = new MariaDbDatabase();

  @Override
  MetadataStore open() throws Exception {
    return TestBackends.mariaDb(db.uri().getPath().substring(1));
  }

  /**
   * A create sent whole with its COMMIT whose answer is lost: the inode it made carries its token, so it is found
   * and not redone; and it wrote no marker row.
   */
  @Test
  void create_whoseAnswerIsLostAfterItsCommit_returnsTheEntryItCreated_once() throws Exception {
    Transactor tx = ((SqlMetadataStore) store).transactor();
    long markers = count("SELECT COUNT(*) FROM tx_marker");
    tx.loseNextAnswer = true;
    CreateResult r = store.createEntry(dir, Name.of("lost"), spec(InodeType.FILE));
    assertThat(tx.loseNextAnswer).as("the one-trip path ran").isFalse();
    assertThat(r.created().id()).isEqualTo(store.lookup(dir, Name.of("lost")).orElseThrow().inode());
    assertThat(r.created().type()).isEqualTo(InodeType.FILE);
    assertThat(r.parent()).isEqualTo(store.getAttributes(dir));
    assertThat(store.readDir(dir, 0, 10)).hasSize(1);
    assertThat(count("SELECT COUNT(*) FROM tx_marker")).as("marker rows").isEqualTo(markers);
    assertThat(count("SELECT COUNT(*) FROM inode WHERE create_token IS NOT NULL AND id = " + r.created().id().value()))
        .as("the new inode carries its token").isEqualTo(1);
  }

  /** A create lost on its way to the server did not land: it runs again, and creates its file once. */
  @Test
  void create_lostBeforeTheServerRanIt_runsAgain() throws Exception {
    Transactor tx = ((SqlMetadataStore) store).transactor();
    tx.loseNextRequest = true;
    CreateResult r = store.createEntry(dir, Name.of("again"), spec(InodeType.FILE));
    assertThat(tx.loseNextRequest).as("the one-trip path ran").isFalse();
    assertThat(r.created().id()).isEqualTo(store.lookup(dir, Name.of("again")).orElseThrow().inode());
    assertThat(store.readDir(dir, 0, 10)).hasSize(1);
  }

  /**
   * A lost create whose name another host's create took meanwhile is not taken for its own (the tokens differ), so
   * it runs again and answers EEXIST; a look-up by name alone would have answered the other host's file.
   */
  @Test
  void create_lostWhileAnotherHostTookTheName_isNotTakenForItsOwn_andAnswersExists() throws Exception {
    InodeId other = store.createEntry(dir, Name.of("taken"), spec(InodeType.FILE)).created().id();
    Transactor tx = ((SqlMetadataStore) store).transactor();
    tx.loseNextRequest = true;
    assertThatThrownBy(() -> store.createEntry(dir, Name.of("taken"), spec(InodeType.DIRECTORY)))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.EXISTS));
    assertThat(tx.loseNextRequest).as("the one-trip path ran").isFalse();
    assertThat(store.lookup(dir, Name.of("taken")).orElseThrow().inode()).isEqualTo(other);
  }

  /**
   * A create is one call of migration V6's procedure (not the multi-statement it replaced), whose answer is the
   * directory as stored after it: for a file, a directory (one more link) and a symlink (its target's length).
   */
  @Test
  void create_isOneCallOfTheCreateEntryProcedure_answeringTheDirectoryAsStored() throws Exception {
    long before = callsOfProcedures();
    CreateResult file = store.createEntry(dir, Name.of("f"), spec(InodeType.FILE));
    assertThat(file.parent()).isEqualTo(store.getAttributes(dir));
    CreateResult sub = store.createEntry(dir, Name.of("d"), spec(InodeType.DIRECTORY));
    assertThat(sub.parent()).isEqualTo(store.getAttributes(dir));
    assertThat(sub.parent().nlink()).isEqualTo(file.parent().nlink() + 1);
    CreateResult link = store.createEntry(dir, Name.of("l"),
        new NewInode(InodeType.SYMLINK, 0777, 1000, 1000, 0, T, "target"));
    assertThat(link.parent()).isEqualTo(store.getAttributes(dir));
    assertThat(link.created()).isEqualTo(store.getAttributes(link.created().id()));
    assertThat(link.created().size()).isEqualTo(6);
    assertThat(store.readSymlink(link.created().id())).isEqualTo("target");
    assertThat(store.readDir(dir, 0, 10)).extracting(e -> e.name().toString()).containsExactly("f", "d", "l");
    assertThat(callsOfProcedures() - before).as("CALLs the server ran").isGreaterThanOrEqualTo(3);
  }

  /**
   * The unlink of a file's last name with its purge is one call of migration V7's procedure: the entry, the inode,
   * its chunks and xattrs go, the blob counts drop (a blob another file shares keeps its count), the blobs left
   * unreferenced are answered, and the directory is answered as stored.
   */
  @Test
  void unlinkWithPurge_isOneCallOfTheUnlinkEntryProcedure() throws Exception {
    InodeId f = store.createEntry(dir, Name.of("f"), spec(InodeType.FILE)).created().id();
    InodeId g = store.createEntry(dir, Name.of("g"), spec(InodeType.FILE)).created().id();
    commitChunks(f, "own-a", "shared", "own-b", "own-a");
    commitChunks(g, "shared");
    store.setXattr(f, "user.k", new byte[] {1}, org.truckeefs.api.XattrMode.EITHER, T);
    long calls = callsOfProcedures();
    UnlinkResult r = store.unlink(dir, Name.of("f"), false, T.plusSeconds(1), f);
    assertThat(callsOfProcedures() - calls).as("CALLs the server ran").isEqualTo(1);
    assertThat(r.purged()).isTrue();
    assertThat(r.unlinked().id()).isEqualTo(f);
    assertThat(r.unlinked().nlink()).isZero();
    assertThat(r.unreferenced()).extracting(BlobRef::value).containsExactly("own-a", "own-b");
    assertThat(r.parent()).isEqualTo(store.getAttributes(dir));
    assertThat(r.parent().size()).isEqualTo(1);
    assertThat(count("SELECT COUNT(*) FROM inode WHERE id = " + f.value())).isZero();
    assertThat(count("SELECT COUNT(*) FROM chunk WHERE inode_id = " + f.value())).isZero();
    assertThat(count("SELECT COUNT(*) FROM xattr WHERE inode_id = " + f.value())).isZero();
    assertThat(count("SELECT refcount FROM blob_ref WHERE ref = 'shared'")).isEqualTo(1);
    assertThat(count("SELECT COUNT(*) FROM blob_ref WHERE refcount = 0 AND unreferenced_since IS NOT NULL"))
        .as("own-a and own-b, marked unreferenced").isEqualTo(2);
    assertThat(store.chunks(g)).hasSize(1);
  }

  /** The same call refuses what unlink(2) refuses, and changes nothing then. */
  @Test
  void unlinkWithPurge_refusals_changeNothing() throws Exception {
    InodeId sub = store.createEntry(dir, Name.of("sub"), spec(InodeType.DIRECTORY)).created().id();
    InodeId f = store.createEntry(dir, Name.of("f"), spec(InodeType.FILE)).created().id();
    var before = store.getAttributes(dir);
    assertThatThrownBy(() -> store.unlink(dir, Name.of("absent"), false, T.plusSeconds(1), f))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
    assertThatThrownBy(() -> store.unlink(dir, Name.of("sub"), false, T.plusSeconds(1), sub))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.IS_DIRECTORY));
    assertThatThrownBy(() -> store.unlink(f, Name.of("x"), false, T.plusSeconds(1), f))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_DIRECTORY));
    assertThatThrownBy(() -> store.unlink(InodeId.of(Long.MAX_VALUE / 3), Name.of("f"), false, T, f))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
    assertThat(store.getAttributes(dir)).as("the directory, unchanged").isEqualTo(before);
    assertThat(store.readDir(dir, 0, 10)).hasSize(2);
  }

  /**
   * An unlink with purge whose answer is lost after its commit is found by its marker and not run again (which
   * would answer ENOENT): it answers the purge of its file, once.
   */
  @Test
  void unlinkWithPurge_whoseAnswerIsLostAfterItsCommit_answersThePurge_once() throws Exception {
    InodeId f = store.createEntry(dir, Name.of("f"), spec(InodeType.FILE)).created().id();
    Transactor tx = ((SqlMetadataStore) store).transactor();
    long markers = count("SELECT COUNT(*) FROM tx_marker");
    tx.loseNextAnswer = true;
    UnlinkResult r = store.unlink(dir, Name.of("f"), false, T.plusSeconds(1), f);
    assertThat(tx.loseNextAnswer).as("the one-trip path ran").isFalse();
    assertThat(r.purged()).isTrue();
    assertThat(r.unlinked().id()).isEqualTo(f);
    assertThat(r.unlinked().nlink()).isZero();
    assertThat(r.parent()).isEqualTo(store.getAttributes(dir));
    assertThat(count("SELECT COUNT(*) FROM tx_marker")).as("its marker").isEqualTo(markers + 1);
    assertThat(store.lookup(dir, Name.of("f"))).isEmpty();
  }

  /** An unlink lost before the server ran it runs again, and removes its file once. */
  @Test
  void unlinkWithPurge_lostBeforeTheServerRanIt_runsAgain() throws Exception {
    InodeId f = store.createEntry(dir, Name.of("f"), spec(InodeType.FILE)).created().id();
    store.createEntry(dir, Name.of("g"), spec(InodeType.FILE));
    Transactor tx = ((SqlMetadataStore) store).transactor();
    tx.loseNextRequest = true;
    UnlinkResult r = store.unlink(dir, Name.of("f"), false, T.plusSeconds(1), f);
    assertThat(tx.loseNextRequest).as("the one-trip path ran").isFalse();
    assertThat(r.purged()).isTrue();
    assertThat(store.readDir(dir, 0, 10)).extracting(e -> e.name().toString()).containsExactly("g");
    assertThat(store.getAttributes(dir).size()).isEqualTo(1);
  }

  private void commitChunks(InodeId f, String... blobs) throws Exception {
    List<ChunkRef> chunks = new ArrayList<>();
    for (int i = 0; i < blobs.length; i++) {
      chunks.add(new ChunkRef(i, BlobRef.of(blobs[i]), 10));
    }
    store.commitContent(new ContentCommit(f, store.getAttributes(f).version(), 10L * blobs.length, chunks,
        Long.MAX_VALUE, T, 0));
  }

  private long count(String sql) throws Exception {
    try (Connection c = TestBackends.adminConnection(); Statement st = c.createStatement()) {
      c.setCatalog(db.uri().getPath().substring(1));
      try (ResultSet r = st.executeQuery(sql)) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  private static long callsOfProcedures() throws Exception {
    try (Connection c = TestBackends.adminConnection(); Statement st = c.createStatement();
         ResultSet r = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Com_call_procedure'")) {
      r.next();
      return r.getLong(2);
    }
  }
}
