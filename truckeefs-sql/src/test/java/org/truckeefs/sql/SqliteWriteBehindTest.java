package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.DirEntryPlus;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitMark;
import org.truckeefs.spi.CommitOutcome;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.NewInode;

/**
 * SQLite's write-behind ({@link SqliteWriter}): writes return before they commit, reads see them, a crash of the
 * process loses none of those that returned (the redo log replays them), and the redo log stays bounded.
 */
class SqliteWriteBehindTest {
  @TempDir Path dir;
  final Instant now = Instant.parse("2026-01-01T00:00:00Z");

  SqlMetadataStore open(Path file, Duration window, int maxUncommitted) throws FsException {
    return SqlStores.openSqlite(URI.create("sqlite:" + file), BackendConfig.empty(), TestBackends.context(dir),
        SqliteCheckpointer.PASSIVE_AFTER_WRITES, SqliteCheckpointer.PERIOD, SqliteCheckpointer.TRUNCATE_ABOVE_FRAMES,
        window, maxUncommitted);
  }

  NewInode file() {
    return new NewInode(InodeType.FILE, 0644, 0, 0, 0, now, null);
  }

  NewInode directory() {
    return new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, now, null);
  }

  /** Dentries another connection (another process, a backup) sees: committed ones only. */
  static long committedEntries(Path file) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*) FROM dentry")) {
      r.next();
      return r.getLong(1);
    }
  }

  static List<String> tree(SqlMetadataStore s, InodeId dir) throws FsException {
    List<String> out = new java.util.ArrayList<>();
    for (DirEntryPlus e : s.readDirPlus(dir, 0, 10_000)) {
      InodeAttributes a = e.attributes();
      out.add(e.entry().name() + " " + a.id() + " " + a.type() + " " + Integer.toOctalString(a.mode()) + " n" + a.nlink()
          + " " + a.size() + " " + s.listXattr(a.id()));
      if (a.type() == InodeType.DIRECTORY) {
        for (String child : tree(s, a.id())) {
          out.add(e.entry().name() + "/" + child);
        }
      }
    }
    return out;
  }

  /** Writes and point reads only (a scan would commit them): creates, a link, an unlink, a rename, setattr, xattr. */
  void writeAFewOfEverything(SqlMetadataStore s) throws FsException {
    InodeId d = s.create(InodeId.ROOT, Name.of("d"), directory()).id();
    for (int i = 0; i < 300; i++) {
      s.create(i % 2 == 0 ? InodeId.ROOT : d, Name.of("f" + i), file());
    }
    InodeId f0 = s.lookup(InodeId.ROOT, Name.of("f0")).orElseThrow().inode();
    s.link(f0, d, Name.of("hard"), now);
    s.unlink(InodeId.ROOT, Name.of("f2"), false, now);
    s.rename(InodeId.ROOT, Name.of("f4"), d, Name.of("moved"), RenameFlags.NONE, now);
    s.setAttributes(f0, new AttrUpdate(0600, null, null, null, null, now));
    s.setXattr(f0, "user.k", new byte[] {1, 2, 3}, XattrMode.CREATE, now);
    assertThat(s.getAttributes(f0).nlink()).as("a point read sees the uncommitted link").isEqualTo(2);
    assertThat(s.listXattr(f0)).containsExactly("user.k");
    assertThatThrownBy(() -> s.create(InodeId.ROOT, Name.of("f6"), file()))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.EXISTS));
  }

  @Test
  void writesThatReturned_areReadBack_beforeTheyCommit_andSurviveACrash() throws Exception {
    Path file = dir.resolve("metadata.db");
    Path reference = dir.resolve("reference").resolve("metadata.db");
    Files.createDirectories(reference.getParent());
    List<String> expected;
    try (SqlMetadataStore s = open(reference, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED)) {
      s.initRoot(directory());
      writeAFewOfEverything(s);
      expected = tree(s, InodeId.ROOT);
    }
    assertThat(expected).hasSize(301);
    try (SqlMetadataStore s = open(file, Duration.ofHours(1), 1_000_000)) {
      s.initRoot(directory());
      s.sync(); // the root is committed; nothing after it will be
      writeAFewOfEverything(s);
      assertThat(committedEntries(file)).as("another connection sees only the committed root").isZero();
      s.transactor().sqliteWriter().crashForTest();
    }
    assertThat(RedoLog.recordBytes(Path.of(file + "-redo"))).as("the redo log outlived the crash").isPositive();
    try (SqlMetadataStore s = open(file, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED)) {
      assertThat(committedEntries(file)).as("replayed and committed at open").isEqualTo(301);
      assertThat(RedoLog.recordBytes(Path.of(file + "-redo"))).as("emptied once replayed").isZero();
      assertThat(tree(s, InodeId.ROOT)).as("the same as without a crash").isEqualTo(expected);
      // Replay leaves the numbering right: new writes after it survive the next crash too.
      s.create(InodeId.ROOT, Name.of("after"), file());
      s.transactor().sqliteWriter().crashForTest();
    }
    try (SqlMetadataStore s = open(file, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED)) {
      assertThat(s.lookup(InodeId.ROOT, Name.of("after"))).isPresent();
      assertThat(tree(s, InodeId.ROOT)).hasSize(302);
    }
  }

  /**
   * Commits queued together ({@link SqliteWriter#writeAll}): each in its own savepoint and redo entry, so a crash
   * before the transaction commits replays the ones that succeeded and not the one that failed, whose statements
   * (the version-checked update that matched no row) were undone.
   */
  @Test
  void commitsQueuedTogether_failAlone_andThoseThatReturnedSurviveACrash() throws Exception {
    Path file = dir.resolve("metadata.db");
    List<InodeId> files = new java.util.ArrayList<>();
    try (SqlMetadataStore s = open(file, Duration.ofHours(1), 1_000_000)) {
      s.initRoot(directory());
      for (int i = 0; i < 5; i++) {
        files.add(s.create(InodeId.ROOT, Name.of("c" + i), file()).id());
      }
      s.sync();
      List<ContentCommit> commits = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        long version = i == 2 ? 99 : 0; // the third is stale
        commits.add(new ContentCommit(files.get(i), version, 10 + i,
            List.of(new ChunkRef(0, BlobRef.of("blob" + i), 10 + i)), Long.MAX_VALUE, now, 0,
            new CommitMark("host", i + 1)));
      }
      long commitsBefore = s.transactor().sqliteWriter().commits();
      List<CommitOutcome> out = s.commitContents(commits);
      assertThat(out).extracting(o -> o.failure() == null ? "ok" : o.failure().error().name())
          .containsExactly("ok", "ok", "STALE", "ok", "ok");
      assertThat(s.transactor().sqliteWriter().commits()).as("not committed yet").isEqualTo(commitsBefore);
      s.transactor().sqliteWriter().crashForTest();
    }
    try (SqlMetadataStore s = open(file, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED)) {
      for (int i = 0; i < 5; i++) {
        InodeAttributes a = s.getAttributes(files.get(i));
        if (i == 2) {
          assertThat(a.version()).isZero();
          assertThat(s.chunks(files.get(i))).isEmpty();
        } else {
          assertThat(a.version()).isEqualTo(1);
          assertThat(a.size()).isEqualTo(10 + i);
          assertThat(s.chunks(files.get(i))).containsExactly(new ChunkRef(0, BlobRef.of("blob" + i), 10 + i));
        }
      }
      assertThat(s.commitMarks("host")).containsExactly(1L, 2L, 4L, 5L);
    }
  }

  /** The SQLite temp files this process has open (SQLite names them etilqs_*, unlinked at once). */
  static List<String> sqliteTempFiles() throws java.io.IOException {
    List<String> out = new java.util.ArrayList<>();
    try (java.nio.file.DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.contains("etilqs_")) {
            out.add(target);
          }
        } catch (java.io.IOException gone) {
          // closed meanwhile
        }
      }
    }
    return out;
  }

  /**
   * A group of writes (here the commits of 64 uploads, run in one turn of the writer's lock) keeps SQLite's
   * statement journal in memory: each write's savepoint ends before the next one starts, so the journal never holds
   * more than one write's pages. A savepoint around the whole group made it outgrow its 64 KiB in memory and move
   * to a temp file, which every later write of the open transaction then wrote each page it changed to.
   */
  @Test
  void aGroupOfWrites_keepsTheStatementJournalInMemory() throws Exception {
    Path file = dir.resolve("metadata.db");
    try (SqlMetadataStore s = open(file, Duration.ofHours(1), 1_000_000)) {
      s.initRoot(directory());
      List<InodeId> files = new java.util.ArrayList<>();
      for (int i = 0; i < 64 * 40; i++) {
        files.add(s.create(InodeId.ROOT, Name.of("f" + i), file()).id());
      }
      s.sync();
      // Every 40th file: each commit changes an inode row on a leaf page of its own, as commits of unrelated files
      // in a large table do, so that the group changes far more than 64 KiB of pages.
      List<ContentCommit> commits = new java.util.ArrayList<>();
      for (int i = 0; i < 64; i++) {
        commits.add(new ContentCommit(files.get(i * 40), 0, 100, List.of(new ChunkRef(0, BlobRef.of("b" + i), 100)),
            Long.MAX_VALUE, now, 0, new CommitMark("host", i + 1)));
      }
      long commitsBefore = s.transactor().sqliteWriter().commits();
      assertThat(s.commitContents(commits)).allSatisfy(o -> assertThat(o.failure()).isNull());
      assertThat(s.transactor().sqliteWriter().commits()).as("the transaction is still open").isEqualTo(commitsBefore);
      assertThat(sqliteTempFiles()).as("temp files SQLite opened for the open transaction").isEmpty();
    }
  }

  /**
   * A write whose redo entry the log refuses (it needs the log to grow on a full disk) fails with ENOSPC and is
   * undone alone: the writes run in the same turn of the lock before and after it stand, and survive a crash.
   */
  @Test
  void aWriteTheRedoLogRefuses_failsAlone() throws Exception {
    try (org.truckeefs.testkit.SmallDisk disk = org.truckeefs.testkit.SmallDisk.mount(dir.resolve("disk"), 16 << 20)) {
      Path file = disk.dir().resolve("metadata.db");
      Path filler = disk.dir().resolve("filler");
      try (SqlMetadataStore s = open(file, Duration.ofHours(1), 1_000_000)) {
        s.initRoot(directory());
        s.sync();
        fillDisk(filler);
        // Three writes in one turn of the lock; the second changes no row but is recorded, with a parameter larger
        // than the log's mapped capacity, so that its entry needs the file to grow.
        byte[] huge = new byte[RedoLog.CAPACITY + (1 << 20)];
        long root = InodeId.ROOT.value();
        List<Transactor.Body<String>> bodies = List.of(
            db -> update(db, "UPDATE inode SET uid = ? WHERE id = ?", 42L, root),
            db -> update(db, "UPDATE inode SET symlink_target = ? WHERE id = -1", huge),
            db -> update(db, "UPDATE inode SET gid = ? WHERE id = ?", 43L, root));
        List<Transactor.Written<String>> out = s.transactor().sqliteWriter().writeAll("test", bodies);
        assertThat(out).extracting(w -> w.failure() == null ? "ok" : w.failure().error().name())
            .containsExactly("ok", "NO_SPACE", "ok");
        assertThat(out.get(1).failure()).hasMessageContaining("redo log");
        s.transactor().sqliteWriter().crashForTest();
      }
      Files.delete(filler);
      try (SqlMetadataStore s = open(file, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED)) {
        InodeAttributes a = s.getAttributes(InodeId.ROOT);
        assertThat(a.uid()).as("the write before the refused one").isEqualTo(42);
        assertThat(a.gid()).as("the write after it").isEqualTo(43);
      }
    }
  }

  /**
   * Bodies on the writer share one jOOQ context ({@link HotStatements#next}): what a failed body left for its
   * commit is dropped with it, not run by the next body, in the same turn of the lock or a later one.
   */
  @Test
  void whatAFailedWriteLeftForItsCommit_isNotRunByTheNextWrite() throws Exception {
    try (SqlMetadataStore s = open(dir.resolve("metadata.db"), Duration.ofHours(1), 1_000_000)) {
      s.initRoot(directory());
      long root = InodeId.ROOT.value();
      Transactor.Body<String> leavesAndFails = db -> {
        DeferredStatements.atCommit(db, "UPDATE inode SET uid = ? WHERE id = ?", null, 7L, root);
        throw new FsException(FsError.EXISTS, "refused after leaving a change for the commit");
      };
      SqliteWriter w = s.transactor().sqliteWriter();
      List<Transactor.Written<String>> out = w.writeAll("test", List.of(leavesAndFails,
          db -> update(db, "UPDATE inode SET gid = ? WHERE id = ?", 5L, root)));
      assertThat(out).extracting(x -> x.failure() == null ? "ok" : x.failure().error().name())
          .containsExactly("EXISTS", "ok");
      assertThatThrownBy(() -> w.write("test", leavesAndFails)).isInstanceOf(FsException.class);
      w.write("test", db -> update(db, "UPDATE inode SET mode = ? WHERE id = ?", 0700L, root));
      InodeAttributes a = s.getAttributes(InodeId.ROOT);
      assertThat(a.uid()).isZero();
      assertThat(a.gid()).isEqualTo(5);
      assertThat(a.mode() & 0777).isEqualTo(0700);
    }
  }

  /**
   * A body that checks first runs without a savepoint. Should it fail after changing a row anyway, the open
   * transaction is undone and the redo log replayed: its change is gone, the writes before it in the same turn stand
   * (and survive a crash), and those after it run.
   */
  @Test
  void aWriteThatChecksFirst_butFailsAfterAChange_isUndone_andTheOthersStand() throws Exception {
    Path file = dir.resolve("metadata.db");
    long root = InodeId.ROOT.value();
    try (SqlMetadataStore s = open(file, Duration.ofHours(1), 1_000_000)) {
      s.initRoot(directory());
      s.sync();
      SqliteWriter w = s.transactor().sqliteWriter();
      Transactor.ChecksFirst<String> failsLate = db -> {
        update(db, "UPDATE inode SET gid = ? WHERE id = ?", 43L, root);
        throw new FsException(FsError.EXISTS, "refused after a change");
      };
      Transactor.ChecksFirst<String> checksFirst = db -> update(db, "UPDATE inode SET mode = ? WHERE id = ?",
          0700L, root);
      List<Transactor.Written<String>> out = w.writeAll("test", List.of(
          db -> update(db, "UPDATE inode SET uid = ? WHERE id = ?", 42L, root), failsLate, checksFirst));
      assertThat(out).extracting(x -> x.failure() == null ? "ok" : x.failure().error().name())
          .containsExactly("ok", "EXISTS", "ok");
      assertThat(w.restores()).isEqualTo(1);
      InodeAttributes a = s.getAttributes(InodeId.ROOT);
      assertThat(a.uid()).isEqualTo(42);
      assertThat(a.gid()).as("undone").isZero();
      assertThat(a.mode() & 07777).isEqualTo(0700);
      w.crashForTest();
    }
    try (SqlMetadataStore s = open(file, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED)) {
      InodeAttributes a = s.getAttributes(InodeId.ROOT);
      assertThat(a.uid()).isEqualTo(42);
      assertThat(a.gid()).isZero();
      assertThat(a.mode() & 07777).isEqualTo(0700);
    }
  }

  /** A create of a taken name is refused before it changes anything: no undo, the directory untouched. */
  @Test
  void aCreateOfATakenName_isRefusedBeforeItChangesAnything() throws Exception {
    try (SqlMetadataStore s = open(dir.resolve("metadata.db"), Duration.ofHours(1), 1_000_000)) {
      s.initRoot(directory());
      InodeAttributes d = s.create(InodeId.ROOT, Name.of("d"), directory());
      InodeAttributes a = s.create(d.id(), Name.of("a"), file());
      InodeAttributes before = s.getAttributes(d.id());
      assertThatThrownBy(() -> s.create(d.id(), Name.of("a"), file()))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.EXISTS));
      assertThatThrownBy(() -> s.create(InodeId.of(Long.MAX_VALUE / 2), Name.of("x"), file()))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
      assertThatThrownBy(() -> s.create(a.id(), Name.of("x"), file()))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_DIRECTORY));
      assertThat(s.transactor().sqliteWriter().restores()).isZero();
      assertThat(s.getAttributes(d.id())).isEqualTo(before);
      InodeAttributes b = s.create(d.id(), Name.of("b"), file());
      assertThat(s.readDir(d.id(), 0, 10)).extracting(e -> e.name().toString() + "=" + e.inode())
          .containsExactly("a=" + a.id(), "b=" + b.id());
    }
  }

  /**
   * On a full disk a commit fails, and so does the replay that would put the writes that returned back. Until it
   * succeeds, writes and syncs fail with ENOSPC instead of running on a state without those writes; once there is
   * room, the next write replays them first. Every create that returned is there, also after a crash, and no other.
   */
  @Test
  void whileTheRedoLogCannotBeReplayed_writesFailWithNoSpace_andNoneThatReturnedIsLost() throws Exception {
    try (org.truckeefs.testkit.SmallDisk disk = org.truckeefs.testkit.SmallDisk.mount(dir.resolve("disk"), 16 << 20)) {
      Path file = disk.dir().resolve("metadata.db");
      List<String> created = new java.util.ArrayList<>();
      try (SqlMetadataStore s = open(file, Duration.ofHours(1), 1_000_000)) {
        Path filler = createUntilTheReplayFails(s, disk.dir(), created);
        Files.delete(filler);
        s.create(InodeId.ROOT, Name.of("after"), file());
        created.add("after");
        assertThat(names(s)).containsExactlyInAnyOrderElementsOf(created);
        s.transactor().sqliteWriter().crashForTest();
      }
      try (SqlMetadataStore s = open(file, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED)) {
        assertThat(names(s)).containsExactlyInAnyOrderElementsOf(created);
      }
    }
  }

  /** A store closed while its replay still fails keeps the redo log, and the next start replays it. */
  @Test
  void aStoreClosedWhileItsReplayFails_keepsTheWritesForTheNextStart() throws Exception {
    try (org.truckeefs.testkit.SmallDisk disk = org.truckeefs.testkit.SmallDisk.mount(dir.resolve("disk"), 16 << 20)) {
      Path file = disk.dir().resolve("metadata.db");
      List<String> created = new java.util.ArrayList<>();
      Path filler;
      try (SqlMetadataStore s = open(file, Duration.ofHours(1), 1_000_000)) {
        filler = createUntilTheReplayFails(s, disk.dir(), created);
      }
      Files.delete(filler);
      try (SqlMetadataStore s = open(file, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED)) {
        assertThat(names(s)).containsExactlyInAnyOrderElementsOf(created);
      }
    }
  }

  /**
   * Fills the disk, then creates (and syncs every hundred) until 20 refusals, each ENOSPC, some of them because the
   * replay fails; {@code created} gets the names whose create returned. Returns the filler file.
   */
  private Path createUntilTheReplayFails(SqlMetadataStore s, Path disk, List<String> created) throws Exception {
    s.initRoot(directory());
    s.sync();
    Path filler = disk.resolve("filler");
    fillDisk(filler);
    int refusals = 0;
    int unreplayed = 0;
    for (int i = 0; i < 20_000 && refusals < 20; i++) {
      String name = "f" + i + "-" + "x".repeat(200);
      try {
        s.create(InodeId.ROOT, Name.of(name), file());
        created.add(name);
        if (i % 100 == 99) {
          s.sync();
        }
      } catch (FsException e) {
        assertThat(e.error()).as(e.getMessage()).isEqualTo(FsError.NO_SPACE);
        refusals++;
        if (e.getMessage().contains("cannot replay the metadata redo log")) {
          unreplayed++;
        }
      }
    }
    assertThat(refusals).as("the disk filled up").isEqualTo(20);
    assertThat(unreplayed).as("writes refused while the replay failed").isPositive();
    return filler;
  }

  /** Writes {@code filler} until its disk is full. */
  private static void fillDisk(Path filler) {
    try (java.io.OutputStream out = Files.newOutputStream(filler)) {
      byte[] block = new byte[4 << 10];
      while (true) {
        out.write(block);
      }
    } catch (java.io.IOException full) {
      assertThat(full.getMessage()).contains("No space left");
    }
  }

  private static List<String> names(SqlMetadataStore s) throws FsException {
    List<String> out = new java.util.ArrayList<>();
    for (DirEntryPlus e : s.readDirPlus(InodeId.ROOT, 0, 100_000)) {
      out.add(e.entry().name().toString());
    }
    return out;
  }

  private static String update(org.jooq.DSLContext db, String sql, Object... params) throws java.sql.SQLException {
    return HotStatements.prepare(db, sql, params).executeUpdate() + " rows";
  }

  @Test
  void aScan_commitsTheWritesBeforeIt_andRunsBesideTheWriter() throws Exception {
    Path file = dir.resolve("metadata.db");
    try (SqlMetadataStore s = open(file, Duration.ofHours(1), 1_000_000)) {
      s.initRoot(directory());
      s.create(InodeId.ROOT, Name.of("a"), file());
      assertThat(s.lookup(InodeId.ROOT, Name.of("a"))).isPresent();
      assertThat(committedEntries(file)).as("a point read ran on the writer").isZero();
      assertThat(s.readDir(InodeId.ROOT, 0, 10)).as("a scan sees every write that returned").hasSize(1);
      assertThat(committedEntries(file)).as("because it committed them first").isEqualTo(1);
      long commits = s.transactor().sqliteWriter().commits();
      assertThat(s.readDir(InodeId.ROOT, 0, 10)).hasSize(1);
      assertThat(s.transactor().sqliteWriter().commits()).as("nothing left to commit").isEqualTo(commits);
    }
  }

  @Test
  void theWindow_commitsWithoutFurtherWrites() throws Exception {
    Path file = dir.resolve("metadata.db");
    try (SqlMetadataStore s = open(file, Duration.ofMillis(20), 1_000_000)) {
      s.initRoot(directory());
      s.create(InodeId.ROOT, Name.of("a"), file());
      await().atMost(Duration.ofSeconds(10)).until(() -> committedEntries(file) == 1);
    }
  }

  @Test
  void maxUncommitted_commitsAGrowingBatch_andTheRedoLogStaysBounded() throws Exception {
    Path file = dir.resolve("metadata.db");
    Path redo = Path.of(file + "-redo");
    long largest = 0;
    try (SqlMetadataStore s = open(file, Duration.ofHours(1), 100)) {
      s.initRoot(directory());
      for (int i = 0; i < 8_000; i++) {
        s.create(InodeId.ROOT, Name.of("file-with-a-longish-name-" + i), file());
        largest = Math.max(largest, RedoLog.recordBytes(redo));
      }
      assertThat(s.transactor().sqliteWriter().commits()).isGreaterThanOrEqualTo(79);
      assertThat(committedEntries(file)).isGreaterThanOrEqualTo(7_900);
    }
    assertThat(largest).as("emptied after the commit that finds it over 1 MiB").isLessThan(1_200_000);
    assertThat(Files.size(redo)).as("the file stays at its capacity").isEqualTo(RedoLog.CAPACITY);
    assertThat(RedoLog.recordBytes(redo)).as("emptied at close").isZero();
  }

  @Test
  void replay_stopsAtAGap_andSkipsWhatTheCommitCovers() throws Exception {
    Path file = dir.resolve("metadata.db");
    try (SqlMetadataStore s = open(file, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED)) {
      s.initRoot(directory());
    }
    long mark;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement();
        ResultSet r = st.executeQuery("SELECT n FROM sync_mark WHERE k = 2")) {
      mark = r.next() ? r.getLong(1) : 0;
    }
    // What a power loss can leave: an entry the commit covers, the next one, then a lost page and a later entry.
    try (RedoLog log = RedoLog.open(Path.of(file + "-redo"))) {
      log.append(List.of(insert(mark, 100), insert(mark + 1, 101), insert(mark + 3, 103)));
    }
    try (SqlMetadataStore s = open(file, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED)) {
      List<Long> replayed = s.transactor().read("probe", db -> db.fetch("SELECT k FROM sync_mark WHERE k >= 100")
          .getValues(0, Long.class));
      assertThat(replayed).containsExactly(101L);
      // and the numbering goes on from the entry replayed
      s.create(InodeId.ROOT, Name.of("x"), file());
      s.transactor().sqliteWriter().crashForTest();
    }
    try (SqlMetadataStore s = open(file, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED)) {
      assertThat(s.lookup(InodeId.ROOT, Name.of("x"))).isPresent();
    }
  }

  static RedoLog.Entry insert(long seq, long k) {
    return new RedoLog.Entry(seq, List.of(new RedoLog.Statement(
        "INSERT INTO sync_mark (k, n) VALUES (?, ?)", new Object[] {k, seq})));
  }

  @Test
  void aWriteTheRedoLogCannotHold_fails_andChangesNothing() throws Exception {
    Path file = dir.resolve("metadata.db");
    try (SqlMetadataStore s = open(file, Duration.ofHours(1), 1_000_000)) {
      s.initRoot(directory());
      assertThatThrownBy(() -> s.transactor().write("probe", db -> {
        try (java.sql.PreparedStatement p = db.configuration().connectionProvider().acquire()
            .prepareStatement("INSERT INTO sync_mark (k, n) VALUES (?, 1)")) {
          p.setBigDecimal(1, java.math.BigDecimal.TEN);
          return p.executeUpdate();
        }
      })).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.IO));
      List<Long> rows = s.transactor().read("probe", db -> db.fetch("SELECT k FROM sync_mark WHERE k = 10")
          .getValues(0, Long.class));
      assertThat(rows).isEmpty();
    }
  }

  @Test
  void aFailedWriteAlone_leavesNoTransactionOpen_soOtherProcessesCanWrite() throws Exception {
    Path file = dir.resolve("metadata.db");
    try (SqlMetadataStore s = open(file, Duration.ofHours(1), 1_000_000)) {
      s.initRoot(directory());
      s.create(InodeId.ROOT, Name.of("a"), file());
      s.sync();
      assertThatThrownBy(() -> s.create(InodeId.ROOT, Name.of("a"), file()))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.EXISTS));
      assertThatThrownBy(() -> s.unlink(InodeId.ROOT, Name.of("absent"), false, now))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
          Statement st = c.createStatement()) {
        st.execute("PRAGMA busy_timeout = 0");
        st.execute("BEGIN IMMEDIATE"); // SQLITE_BUSY if the writer still held its transaction
        st.execute("ROLLBACK");
      }
    }
  }

  @Test
  void anInterruptedCaller_doesNotBreakTheRedoLogForOthers() throws Exception {
    Path file = dir.resolve("metadata.db");
    try (SqlMetadataStore s = open(file, Duration.ofHours(1), 1_000_000)) {
      s.initRoot(directory());
      Thread.currentThread().interrupt();
      try {
        s.create(InodeId.ROOT, Name.of("while-interrupted"), file());
      } finally {
        Thread.interrupted();
      }
      s.create(InodeId.ROOT, Name.of("after"), file());
      s.transactor().sqliteWriter().crashForTest();
    }
    try (SqlMetadataStore s = open(file, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED)) {
      assertThat(s.lookup(InodeId.ROOT, Name.of("while-interrupted"))).isPresent();
      assertThat(s.lookup(InodeId.ROOT, Name.of("after"))).isPresent();
    }
  }
}
