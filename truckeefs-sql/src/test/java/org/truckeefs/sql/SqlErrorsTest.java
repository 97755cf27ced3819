package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;

/** The one place a metadata store's failure becomes an errno: a full disk is ENOSPC, as on a local disk. */
class SqlErrorsTest {
  @Test
  void sqliteFull_andMariaDbTableFull_areENOSPC_otherFailuresEIO() {
    assertThat(SqlErrors.io("create", new SQLException("[SQLITE_FULL] database or disk is full", null, 13)).error())
        .isEqualTo(FsError.NO_SPACE);
    assertThat(SqlErrors.io("create", new RuntimeException(new SQLException("The table 'inode' is full", "HY000",
        1114))).error()).isEqualTo(FsError.NO_SPACE);
    assertThat(SqlErrors.isDiskFull(new java.io.IOException("No space left on device"))).as("the redo log's")
        .isTrue();
    assertThat(SqlErrors.isDiskFull(new java.io.IOException("Input/output error"))).isFalse();
    assertThat(SqlErrors.io("create", new SQLException("[SQLITE_IOERR] disk I/O error", null, 10)).error())
        .isEqualTo(FsError.IO);
    assertThat(SqlErrors.io("create", new SQLException("Duplicate entry", "23000", 1062)).error())
        .isEqualTo(FsError.IO);
    assertThat(SqlErrors.io("create", new SQLException("code 1037 (out of memory) ends in 13", "HY001", 1037))
        .error()).as("a MariaDB code whose low byte is 13").isEqualTo(FsError.IO);
  }
}
