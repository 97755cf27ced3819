package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * What a body leaves for its COMMIT, without a database: MariaDB's one-trip text keeps the order with the values
 * bound, and a statement's check answers only a failure that is not worth retrying.
 */
class DeferredStatementsTest {
  private final DSLContext db = DSL.using(SQLDialect.MARIADB);

  @Test
  void appendBound_nothingLeft_appendsNothing() {
    StringBuilder sql = new StringBuilder("x");
    List<Object> params = new ArrayList<>();
    DeferredStatements.appendBound(db, sql, params);
    assertThat(sql).hasToString("x");
    assertThat(params).isEmpty();
  }

  @Test
  void appendBound_keepsTheOrder_andBindsTheValuesRatherThanRenderingThem() {
    DeferredStatements.atCommit(db, SqlDeferredChanges.SET_NLINK, null, 2L, 9L, 7L);
    DeferredStatements.atCommit(db, "DELETE FROM xattr WHERE inode_id = ?", null, 7L);
    DeferredStatements.atCommit(db, DSL.deleteFrom(DSL.table("dentry")).where(DSL.field("name").eq(new byte[] {1})),
        null);
    StringBuilder sql = new StringBuilder();
    List<Object> params = new ArrayList<>();
    DeferredStatements.appendBound(db, sql, params);
    assertThat(sql).hasToString(SqlDeferredChanges.SET_NLINK + "; DELETE FROM xattr WHERE inode_id = ?; "
        + "delete from dentry where name = ?; ");
    assertThat(params).containsExactly(2L, 9L, 7L, 7L, new byte[] {1});
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
