-- An unlink of a file's last name together with its purge, in one call (and one round trip): what the two-trip
-- unlink did (the directory's lock, then the entry's inode locked with its chunk list, then the changes, the
-- marker and the COMMIT; a file with chunks paid one more trip per blob count and one for the blobs left
-- unreferenced) done inside the server. The caller uses it for a file it claimed for a purge
-- (SqlNamespaceWrites#unlink); directories and files it did not claim keep the two-trip unlink.
--
-- Lock order as in every namespace write: the directory's row (its UPDATE, on a live directory only), then the
-- entry and its inode, then the blob rows in key order (the loop takes the next larger blob_ref each time, as
-- commits of content take them, SqlBlobRefs). A loop rather than a cursor: MariaDB materializes a cursor's rows in
-- a temporary table, which cost 200-270 us per unlink even for a file without chunks (direct calls from the mysql
-- client, 1,000 per run: 860-872 us with the cursor against 588-677 without; docs/benchmarks.md). Anything that must refuse the unlink SIGNALs before the first result set and before
-- anything else changes, so that nothing commits; the caller then tells ENOENT, ENOTDIR and EISDIR apart in the
-- still-open transaction (Transactor.OneTrip#explain). The signals' SQLSTATE is HY000, a general error: MariaDB's
-- driver reports an unknown class such as 45000 as a transient connection failure, which would be retried.
--
-- Answers, in order: the victim's row before the unlink; when purged, the blobs whose count dropped to 0 (an empty
-- result for a file without chunks); the directory's row after. The purge happens when the name held the caller's candidate (p_purge) and it was the
-- inode's last name. The marker (p_token, for the caller's look-up after a lost answer) and the COMMIT are inside:
-- an unlink leaves no row of its own that could carry the token.
DELIMITER //
CREATE PROCEDURE unlink_entry(
  IN p_parent BIGINT, IN p_name VARBINARY(255), IN p_time BIGINT, IN p_purge BIGINT, IN p_token BIGINT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
BEGIN
  DECLARE v_id BIGINT DEFAULT NULL;
  DECLARE v_type TINYINT;
  DECLARE v_nlink BIGINT;
  DECLARE v_ref VARBINARY(1024);
  DECLARE v_count BIGINT;
  DECLARE v_next VARBINARY(1024);
  DECLARE v_absent INT DEFAULT 0;
  -- An entry's SELECT ... INTO that finds no row leaves v_id NULL and goes on to its SIGNAL.
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_absent = 1;
  UPDATE inode SET mtime = p_time, ctime = p_time, size = size - 1 WHERE id = p_parent AND type = 4 AND nlink > 0;
  IF ROW_COUNT() = 0 THEN
    SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = 'unlink_entry: not a live directory';
  END IF;
  SELECT i.id, i.type, i.nlink INTO v_id, v_type, v_nlink
    FROM dentry d JOIN inode i ON i.id = d.inode_id WHERE d.parent_id = p_parent AND d.name = p_name FOR UPDATE;
  IF v_id IS NULL THEN
    SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = 'unlink_entry: no such entry';
  END IF;
  IF v_type = 4 THEN
    SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = 'unlink_entry: a directory';
  END IF;
  SELECT id, type, mode, uid, gid, size, nlink, rdev, atime, mtime, ctime, crtime, version, parent_id, next_cookie
    FROM inode WHERE id = v_id;
  DELETE FROM dentry WHERE parent_id = p_parent AND name = p_name;
  IF v_nlink <= 1 AND v_id = p_purge THEN
    SELECT MIN(blob_ref) INTO v_ref FROM chunk WHERE inode_id = v_id;
    IF v_ref IS NOT NULL THEN
      WHILE v_ref IS NOT NULL DO
        SELECT COUNT(*) INTO v_count FROM chunk WHERE inode_id = v_id AND blob_ref = v_ref;
        UPDATE blob_ref SET
            unreferenced_since = CASE WHEN refcount - v_count <= 0 THEN p_time ELSE unreferenced_since END,
            refcount = CASE WHEN refcount - v_count > 0 THEN refcount - v_count ELSE 0 END
          WHERE ref = v_ref;
        SET v_next = NULL;
        SELECT MIN(blob_ref) INTO v_next FROM chunk WHERE inode_id = v_id AND blob_ref > v_ref;
        SET v_ref = v_next;
      END WHILE;
      SELECT DISTINCT b.ref FROM chunk c JOIN blob_ref b ON b.ref = c.blob_ref
        WHERE c.inode_id = v_id AND b.refcount = 0 ORDER BY b.ref;
      DELETE FROM chunk WHERE inode_id = v_id;
    ELSE
      SELECT NULL AS ref FROM DUAL WHERE FALSE;
    END IF;
    DELETE FROM xattr WHERE inode_id = v_id;
    DELETE FROM inode WHERE id = v_id;
  ELSE
    UPDATE inode SET nlink = GREATEST(nlink - 1, 0), ctime = p_time WHERE id = v_id;
  END IF;
  SELECT id, type, mode, uid, gid, size, nlink, rdev, atime, mtime, ctime, crtime, version, parent_id, next_cookie
    FROM inode WHERE id = p_parent;
  INSERT INTO tx_marker (token, created) VALUES (p_token, p_time);
  COMMIT;
END //
DELIMITER ;
