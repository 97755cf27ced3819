package org.truckeefs.sql;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.SQLDataType;

/**
 * The tables of the Flyway scripts as jOOQ DSL constants. Hand-written instead of generated with DDLDatabase
 * because the two engines need two script sets (AUTO_INCREMENT vs AUTOINCREMENT, inline vs separate indexes,
 * WITHOUT ROWID) and eight small tables do not pay for a code generator in the build; FlywayMigrationIT and the
 * contract tests run every constant against both engines.
 */
final class Schema {
  private Schema() {}

  static final Table<Record> INODE = table(name("inode"));
  static final Field<Long> I_ID = f("id", SQLDataType.BIGINT);
  static final Field<Integer> I_TYPE = f("type", SQLDataType.INTEGER);
  static final Field<Integer> I_MODE = f("mode", SQLDataType.INTEGER);
  static final Field<Integer> I_UID = f("uid", SQLDataType.INTEGER);
  static final Field<Integer> I_GID = f("gid", SQLDataType.INTEGER);
  static final Field<Long> I_SIZE = f("size", SQLDataType.BIGINT);
  static final Field<Long> I_NLINK = f("nlink", SQLDataType.BIGINT);
  static final Field<Long> I_RDEV = f("rdev", SQLDataType.BIGINT);
  static final Field<Long> I_ATIME = f("atime", SQLDataType.BIGINT);
  static final Field<Long> I_MTIME = f("mtime", SQLDataType.BIGINT);
  static final Field<Long> I_CTIME = f("ctime", SQLDataType.BIGINT);
  static final Field<Long> I_CRTIME = f("crtime", SQLDataType.BIGINT);
  static final Field<Long> I_VERSION = f("version", SQLDataType.BIGINT);
  static final Field<Long> I_PARENT = f("parent_id", SQLDataType.BIGINT);
  static final Field<Long> I_NEXT_COOKIE = f("next_cookie", SQLDataType.BIGINT);
  static final Field<byte[]> I_TARGET = f("symlink_target", SQLDataType.VARBINARY);

  /** The columns that make an {@link org.truckeefs.api.InodeAttributes}. */
  static final Field<?>[] I_ATTRS = {
    I_ID, I_TYPE, I_MODE, I_UID, I_GID, I_SIZE, I_NLINK, I_RDEV, I_ATIME, I_MTIME, I_CTIME, I_CRTIME, I_VERSION
  };

  static final Table<Record> DENTRY = table(name("dentry"));
  static final Field<Long> D_PARENT = f("parent_id", SQLDataType.BIGINT);
  static final Field<byte[]> D_NAME = f("name", SQLDataType.VARBINARY);
  static final Field<Long> D_INODE = f("inode_id", SQLDataType.BIGINT);
  static final Field<Integer> D_TYPE = f("type", SQLDataType.INTEGER);
  static final Field<Long> D_COOKIE = f("cookie", SQLDataType.BIGINT);

  static final Table<Record> XATTR = table(name("xattr"));
  static final Field<Long> X_INODE = f("inode_id", SQLDataType.BIGINT);
  static final Field<byte[]> X_NAME = f("name", SQLDataType.VARBINARY);
  static final Field<byte[]> X_VALUE = f("value", SQLDataType.BLOB);

  static final Table<Record> CHUNK = table(name("chunk"));
  static final Field<Long> C_INODE = f("inode_id", SQLDataType.BIGINT);
  static final Field<Long> C_IDX = f("idx", SQLDataType.BIGINT);
  static final Field<byte[]> C_BLOB = f("blob_ref", SQLDataType.VARBINARY);
  static final Field<Long> C_LENGTH = f("length", SQLDataType.BIGINT);

  static final Table<Record> BLOB = table(name("blob_ref"));
  static final Field<byte[]> B_REF = f("ref", SQLDataType.VARBINARY);
  static final Field<Long> B_REFCOUNT = f("refcount", SQLDataType.BIGINT);
  static final Field<Long> B_UNREFERENCED_SINCE = f("unreferenced_since", SQLDataType.BIGINT);

  static final Table<Record> JOURNAL = table(name("upload_journal"));
  static final Field<Long> J_ID = f("id", SQLDataType.BIGINT);
  static final Field<Long> J_INODE = f("inode_id", SQLDataType.BIGINT);
  static final Field<byte[]> J_OWNER = f("owner", SQLDataType.VARBINARY);
  static final Field<Long> J_BASE_VERSION = f("base_version", SQLDataType.BIGINT);
  static final Field<byte[]> J_PAYLOAD = f("payload", SQLDataType.BLOB);
  static final Field<Long> J_CREATED = f("created", SQLDataType.BIGINT);

  static final Table<Record> TX_MARKER = table(name("tx_marker"));
  static final Field<Long> M_TOKEN = f("token", SQLDataType.BIGINT);
  static final Field<Long> M_CREATED = f("created", SQLDataType.BIGINT);

  static final Table<Record> FILESYSTEM = table(name("filesystem"));
  static final Field<Integer> F_KEY = f("k", SQLDataType.INTEGER);
  static final Field<String> F_ID = f("fs_id", SQLDataType.VARCHAR);

  static final Table<Record> MARK = table(name("commit_mark"));
  static final Field<byte[]> K_OWNER = f("owner", SQLDataType.VARBINARY);
  static final Field<Long> K_SEQ = f("seq", SQLDataType.BIGINT);

  private static <T> Field<T> f(String column, DataType<T> type) {
    return field(name(column), type);
  }
}
