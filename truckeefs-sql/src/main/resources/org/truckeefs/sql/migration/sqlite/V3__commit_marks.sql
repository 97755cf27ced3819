-- The same tables as the MariaDB script V3 (commit marks; the row sync() rewrites).
CREATE TABLE commit_mark (
  owner VARBINARY(255) NOT NULL,
  seq   BIGINT         NOT NULL,
  PRIMARY KEY (owner, seq)
) WITHOUT ROWID;

CREATE TABLE sync_mark (
  k INTEGER NOT NULL PRIMARY KEY,
  n BIGINT  NOT NULL
);
