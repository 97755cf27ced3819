-- TruckeeFS metadata schema (SQLite), the same tables as the MariaDB script. Names and blob references are bound
-- as byte arrays, so SQLite stores them as BLOBs and compares them with memcmp. Times are nanoseconds since the
-- epoch. Keyed tables are WITHOUT ROWID so that rows are clustered by their key, as in InnoDB.
-- type codes are the S_IFMT bits >> 12 (8 file, 4 directory, 10 symlink, 1 fifo, 12 socket, 2 char, 6 block).

CREATE TABLE inode (
  id             INTEGER       NOT NULL PRIMARY KEY AUTOINCREMENT,
  type           TINYINT       NOT NULL,
  mode           INT           NOT NULL,
  uid            INT           NOT NULL,
  gid            INT           NOT NULL,
  size           BIGINT        NOT NULL,
  nlink          BIGINT        NOT NULL,
  rdev           BIGINT        NOT NULL,
  atime          BIGINT        NOT NULL,
  mtime          BIGINT        NOT NULL,
  ctime          BIGINT        NOT NULL,
  crtime         BIGINT        NOT NULL,
  version        BIGINT        NOT NULL,
  -- directories only: the parent (the root names itself) and the cookie the next entry gets
  parent_id      BIGINT        NULL,
  next_cookie    BIGINT        NOT NULL,
  symlink_target VARBINARY(4096) NULL
);

CREATE TABLE dentry (
  parent_id BIGINT          NOT NULL,
  name      VARBINARY(255)  NOT NULL,
  inode_id  BIGINT          NOT NULL,
  type      TINYINT         NOT NULL,
  cookie    BIGINT          NOT NULL,
  PRIMARY KEY (parent_id, name)
) WITHOUT ROWID;

CREATE TABLE xattr (
  inode_id BIGINT         NOT NULL,
  name     VARBINARY(255) NOT NULL,
  value    BLOB           NOT NULL,
  PRIMARY KEY (inode_id, name)
) WITHOUT ROWID;

CREATE TABLE chunk (
  inode_id BIGINT          NOT NULL,
  idx      BIGINT          NOT NULL,
  blob_ref VARBINARY(1024) NOT NULL,
  length   BIGINT          NOT NULL,
  PRIMARY KEY (inode_id, idx)
) WITHOUT ROWID;

CREATE TABLE blob_ref (
  ref                VARBINARY(1024) NOT NULL,
  refcount           BIGINT          NOT NULL,
  unreferenced_since BIGINT          NULL,
  PRIMARY KEY (ref)
) WITHOUT ROWID;

CREATE TABLE upload_journal (
  id           INTEGER       NOT NULL PRIMARY KEY AUTOINCREMENT,
  inode_id     BIGINT        NOT NULL,
  owner        VARBINARY(255) NOT NULL,
  base_version BIGINT        NOT NULL,
  payload      BLOB          NOT NULL,
  created      BIGINT        NOT NULL
);

CREATE INDEX inode_by_nlink ON inode (nlink);
CREATE UNIQUE INDEX dentry_by_cookie ON dentry (parent_id, cookie);
CREATE INDEX blob_by_unreferenced ON blob_ref (unreferenced_since);
CREATE INDEX journal_by_owner ON upload_journal (owner, id);

-- Used on MariaDB only (see the MariaDB script); kept so that both engines have the same tables.
CREATE TABLE tx_marker (
  token   BIGINT NOT NULL PRIMARY KEY,
  created BIGINT NOT NULL
);
