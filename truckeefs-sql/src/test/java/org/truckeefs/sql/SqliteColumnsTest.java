package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.core.CoreResultSet;

/** Queries of cached statements on SQLite keep their first result's column names, and answer as before. */
class SqliteColumnsTest {
  @TempDir Path dir;
  private Connection c;
  private final Map<PreparedStatement, SqliteColumns.Known> known = new IdentityHashMap<>();

  @BeforeEach
  void open() throws Exception {
    c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db"));
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)");
      s.execute("INSERT INTO t VALUES (1, 'one', 10), (2, 'two', 20), (3, 'three', 30)");
    }
  }

  @AfterEach
  void close() throws Exception {
    c.close();
  }

  @Test
  void everyExecution_answersItsOwnRows_andKeepsTheFirstNames() throws Exception {
    PreparedStatement p = c.prepareStatement("SELECT id, name, n FROM t WHERE id = ?");
    String[] firstNames = null;
    for (long id = 1; id <= 3; id++) {
      p.setLong(1, id);
      try (ResultSet r = SqliteColumns.query(p, known)) {
        assertThat(r.next()).isTrue();
        assertThat(r.getLong(1)).isEqualTo(id);
        assertThat(r.getLong(3)).isEqualTo(10 * id);
        assertThat(r.getString(r.findColumn("name"))).isEqualTo(List.of("one", "two", "three").get((int) id - 1));
        assertThat(r.getMetaData().getColumnCount()).isEqualTo(3);
        assertThat(r.next()).isFalse();
        String[] names = ((CoreResultSet) r).colsMeta;
        if (firstNames == null) {
          firstNames = names;
        } else {
          // the array read at the first execution, handed back: the driver read no name again
          assertThat(names).isSameAs(firstNames);
        }
      }
    }
    assertThat(firstNames).containsExactly("id", "name", "n");
  }

  @Test
  void anEmptyResult_andAResultAfterIt_readAsBefore() throws Exception {
    PreparedStatement p = c.prepareStatement("SELECT name FROM t WHERE n > ? ORDER BY id");
    List<String> seen = new ArrayList<>();
    for (int above : new int[] {0, 100, 15}) {
      p.setInt(1, above);
      try (ResultSet r = SqliteColumns.query(p, known)) {
        while (r.next()) {
          seen.add(r.getString(1));
        }
        seen.add("|");
      }
    }
    assertThat(seen).containsExactly("one", "two", "three", "|", "|", "two", "three", "|");
  }

  /** A writing query on the recorded writer connection is still recorded at every execution (the redo log). */
  @Test
  void aRecordedConnection_stillRecordsEveryWritingQuery() throws Exception {
    StatementRecorder recorder = new StatementRecorder();
    Connection recorded = recorder.wrap(c);
    PreparedStatement p = recorded.prepareStatement("UPDATE t SET n = n + ? WHERE id = ? RETURNING n");
    recorder.start();
    for (long add = 1; add <= 3; add++) {
      p.setLong(1, add);
      p.setLong(2, 1);
      try (ResultSet r = SqliteColumns.query(p, known)) {
        assertThat(r.next()).isTrue();
        assertThat(r.getLong(1)).isEqualTo(10 + add * (add + 1) / 2);
      }
    }
    List<RedoLog.Statement> executed = recorder.stop();
    assertThat(executed).hasSize(3);
    assertThat(executed).extracting(s -> s.params()[0]).containsExactly(1L, 2L, 3L);
  }

  /** Another driver's results are left alone: each execution is its own executeQuery. */
  @Test
  void anotherDriversResult_isQueriedAsUsual() throws Exception {
    PreparedStatement real = c.prepareStatement("SELECT n FROM t WHERE id = ?");
    List<String> calls = new ArrayList<>();
    PreparedStatement other = (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, (proxy, m, args) -> {
          calls.add(m.getName());
          Object out = m.invoke(real, args);
          if (out instanceof ResultSet r) {
            // a result set that is not sqlite-jdbc's
            return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ResultSet.class},
                (p2, m2, a2) -> m2.invoke(r, a2));
          }
          return out;
        });
    for (long id = 1; id <= 2; id++) {
      other.setLong(1, id);
      try (ResultSet r = SqliteColumns.query(other, known)) {
        assertThat(r.next()).isTrue();
        assertThat(r.getLong(1)).isEqualTo(10 * id);
      }
    }
    assertThat(calls).filteredOn(n -> n.startsWith("execute") || n.equals("getResultSet"))
        .containsExactly("executeQuery", "executeQuery");
  }
}
