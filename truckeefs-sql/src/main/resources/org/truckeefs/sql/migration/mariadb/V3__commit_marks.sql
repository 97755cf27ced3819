-- Commit marks: commitContent records (owner, seq) in the same transaction as the content, so a host restarting
-- after a crash tells a journaled upload that committed from one that did not.
CREATE TABLE commit_mark (
  owner VARBINARY(255) NOT NULL,
  seq   BIGINT         NOT NULL,
  PRIMARY KEY (owner, seq)
) ENGINE=InnoDB;

-- One row the SQLite store rewrites to make a synchronous=FULL commit (its sync()); kept here so that both engines
-- have the same tables.
CREATE TABLE sync_mark (
  k INT    NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (k)
) ENGINE=InnoDB;
