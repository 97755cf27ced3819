package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * What a body leaves for its COMMIT, without a database: MariaDB's one-trip text keeps the order with the values
 * inlined, and a statement's check answers only a failure that is not worth retrying.
 */
class DeferredStatementsTest {
  private final DSLContext db = DSL.using(SQLDialect.MARIADB);

  @Test
  void appendInlined_nothingLeft_appendsNothing() {
    StringBuilder sql = new StringBuilder("x");
    DeferredStatements.appendInlined(db, sql);
    assertThat(sql).hasToString("x");
  }

  @Test
  void appendInlined_keepsTheOrderAndInlinesTheValues() {
    DeferredStatements.atCommit(db, SqlDeferredChanges.SET_NLINK, null, 2L, 9L, 7L);
    DeferredStatements.atCommit(db, "DELETE FROM xattr WHERE inode_id = ?", null, 7L);
    StringBuilder sql = new StringBuilder();
    DeferredStatements.appendInlined(db, sql);
    assertThat(sql).hasToString("UPDATE inode SET nlink = 2, ctime = 9 WHERE id = 7; "
        + "DELETE FROM xattr WHERE inode_id = 7; ");
  }

  @Test
  void checkFailure_notTransient_givesTheCheckItsSay() {
    DeferredStatements.atCommit(db, "DELETE FROM xattr WHERE inode_id = ?", null, 7L);
    DeferredStatements.atCommit(db, "DELETE FROM inode WHERE id = ?", check -> {
      throw new FsException(FsError.EXISTS, "taken");
    }, 7L);
    assertThatThrownBy(() -> DeferredStatements.checkFailure(db, SqlEngine.MARIADB,
        new SQLException("duplicate", "23000", 1062)))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.EXISTS));
  }

  @Test
  void checkFailure_transient_leavesItToTheRetries() {
    DeferredStatements.atCommit(db, "DELETE FROM inode WHERE id = ?", check -> {
      throw new FsException(FsError.EXISTS, "taken");
    }, 7L);
    assertThatCode(() -> DeferredStatements.checkFailure(db, SqlEngine.MARIADB,
        new SQLTransactionRollbackException("deadlock", "40001"))).doesNotThrowAnyException();
  }
}
