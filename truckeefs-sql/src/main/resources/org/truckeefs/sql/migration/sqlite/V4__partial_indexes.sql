-- The two indexes that only a sweep reads now hold only the rows it looks for (SQLite has partial indexes; MariaDB
-- keeps its full ones). Every create inserted a live inode (nlink > 0) into inode_by_nlink, every content commit
-- a referenced blob (unreferenced_since NULL) into blob_by_unreferenced, and every unlink moved a blob's entry from
-- NULL to its time: one WAL page each per transaction of indexes that orphans() (nlink = 0) and
-- takeReleasableBlobs() (unreferenced_since < ?) never read those entries from. Rebuilding them reads each table
-- once; the data is untouched.
DROP INDEX inode_by_nlink;
CREATE INDEX inode_by_nlink ON inode (nlink) WHERE nlink = 0;
DROP INDEX blob_by_unreferenced;
CREATE INDEX blob_by_unreferenced ON blob_ref (unreferenced_since) WHERE unreferenced_since IS NOT NULL;
