-- TruckeeFS metadata schema (MariaDB/MySQL). Names and blob references are VARBINARY so that comparisons are
-- byte-exact: the default collations would merge 'a' and 'A'. Times are nanoseconds since the epoch.
-- type codes are the S_IFMT bits >> 12 (8 file, 4 directory, 10 symlink, 1 fifo, 12 socket, 2 char, 6 block).

CREATE TABLE inode (
  id             BIGINT        NOT NULL AUTO_INCREMENT,
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
  symlink_target VARBINARY(4096) NULL,
  PRIMARY KEY (id),
  KEY inode_by_nlink (nlink)
) ENGINE=InnoDB;

CREATE TABLE dentry (
  parent_id BIGINT          NOT NULL,
  name      VARBINARY(255)  NOT NULL,
  inode_id  BIGINT          NOT NULL,
  type      TINYINT         NOT NULL,
  cookie    BIGINT          NOT NULL,
  PRIMARY KEY (parent_id, name),
  UNIQUE KEY dentry_by_cookie (parent_id, cookie)
) ENGINE=InnoDB;

CREATE TABLE xattr (
  inode_id BIGINT         NOT NULL,
  name     VARBINARY(255) NOT NULL,
  value    MEDIUMBLOB     NOT NULL,
  PRIMARY KEY (inode_id, name)
) ENGINE=InnoDB;

CREATE TABLE chunk (
  inode_id BIGINT          NOT NULL,
  idx      BIGINT          NOT NULL,
  blob_ref VARBINARY(1024) NOT NULL,
  length   BIGINT          NOT NULL,
  PRIMARY KEY (inode_id, idx)
) ENGINE=InnoDB;

CREATE TABLE blob_ref (
  ref                VARBINARY(1024) NOT NULL,
  refcount           BIGINT          NOT NULL,
  unreferenced_since BIGINT          NULL,
  PRIMARY KEY (ref),
  KEY blob_by_unreferenced (unreferenced_since)
) ENGINE=InnoDB;

CREATE TABLE upload_journal (
  id           BIGINT        NOT NULL AUTO_INCREMENT,
  inode_id     BIGINT        NOT NULL,
  owner        VARBINARY(255) NOT NULL,
  base_version BIGINT        NOT NULL,
  payload      LONGBLOB      NOT NULL,
  created      BIGINT        NOT NULL,
  PRIMARY KEY (id),
  KEY journal_by_owner (owner, id)
) ENGINE=InnoDB;

-- One row per write transaction: when a connection dies during COMMIT the store looks its token up to learn whether
-- the commit landed, so a retried operation is never applied twice. Old rows are deleted now and then.
CREATE TABLE tx_marker (
  token   BIGINT NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (token),
  KEY tx_marker_by_created (created)
) ENGINE=InnoDB;
