-- This filesystem's id, made up by the first start (see the MariaDB script). One row, k = 1.
CREATE TABLE filesystem (
  k     INTEGER NOT NULL PRIMARY KEY,
  fs_id TEXT    NOT NULL
);
