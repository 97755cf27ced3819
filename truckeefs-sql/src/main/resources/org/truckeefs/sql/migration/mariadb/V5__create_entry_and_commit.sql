-- create_entry (V4) with the commit marker and the COMMIT inside: sent after the CALL, the two were two more
-- statements for the server to parse and answer; inside, a create cost the server 60-100 us less (direct over
-- JDBC, docs/benchmarks.md, sixteenth session). The caller passes the marker's token and time as the last two
-- parameters (CommitMarkers.bind) and sends nothing after the CALL (Transactor.OneTrip#commitsItself).
--
-- The answer (the directory's row after the change, then the new inode's id) is sent before the COMMIT, as the
-- statements' answers were before the multi-statement's COMMIT: the caller returns only once the CALL's own answer,
-- which follows the COMMIT, is in. Everything else is V4's: see there. create_entry stays for the hosts of the
-- previous build until they are upgraded.
DELIMITER //
CREATE PROCEDURE create_entry_and_commit(
  IN p_parent BIGINT, IN p_name VARBINARY(255), IN p_type TINYINT, IN p_mode INT, IN p_uid INT, IN p_gid INT,
  IN p_size BIGINT, IN p_nlink BIGINT, IN p_rdev BIGINT, IN p_time BIGINT, IN p_target VARBINARY(4096),
  IN p_token BIGINT, IN p_marked BIGINT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
BEGIN
  DECLARE v_id BIGINT;
  UPDATE inode SET mtime = p_time, ctime = p_time, size = size + 1, nlink = nlink + IF(p_type = 4, 1, 0),
      next_cookie = next_cookie + 1
    WHERE id = p_parent AND type = 4 AND nlink > 0;
  INSERT INTO inode (type, mode, uid, gid, size, nlink, rdev, atime, mtime, ctime, crtime, version, parent_id,
      next_cookie, symlink_target)
    VALUES (p_type, p_mode, p_uid, p_gid, p_size, p_nlink, p_rdev, p_time, p_time, p_time, p_time, 0,
      IF(p_type = 4, p_parent, NULL), 1, p_target);
  SET v_id = LAST_INSERT_ID();
  INSERT INTO dentry (parent_id, name, inode_id, type, cookie)
    VALUES (p_parent, p_name, v_id, p_type,
      (SELECT next_cookie - 1 FROM inode WHERE id = p_parent AND type = 4 AND nlink > 0));
  SELECT id, type, mode, uid, gid, size, nlink, rdev, atime, mtime, ctime, crtime, version, parent_id, next_cookie,
      v_id
    FROM inode WHERE id = p_parent;
  INSERT INTO tx_marker (token, created) VALUES (p_token, p_marked);
  COMMIT;
END //
DELIMITER ;
