-- A create as one server-side call. The same four statements sent as a multi-statement cost the server a parse of
-- each and a result packet for each, ~200 us more per create on a 2-core VM (docs/benchmarks.md, sixteenth
-- session); the procedure's body is parsed once per connection and answers with one row.
--
-- The directory's row is locked first (the UPDATE), as every change to a directory's entries does: the lock order
-- of SqlNamespaceWrites. The UPDATE matches no row unless the directory is a live directory; the entry's cookie then
-- reads NULL, so its INSERT fails and the caller rolls back and tells ENOENT from ENOTDIR; a taken name fails on
-- dentry's primary key (EEXIST). The answer is the directory's row after the change, as SqlRows.INODE_COLUMNS
-- lists it, then the new inode's id. The caller sends the commit marker and the COMMIT behind the CALL in the same
-- round trip (Transactor.writeInOneTrip).
--
-- SQL SECURITY INVOKER: it runs with the privileges of the user who calls it, so that dropping the user who ran
-- this migration breaks nothing. A change of its parameters or of its answer takes a new name, so that hosts of
-- the previous build keep calling the body they expect until they are upgraded.
DELIMITER //
CREATE PROCEDURE create_entry(
  IN p_parent BIGINT, IN p_name VARBINARY(255), IN p_type TINYINT, IN p_mode INT, IN p_uid INT, IN p_gid INT,
  IN p_size BIGINT, IN p_nlink BIGINT, IN p_rdev BIGINT, IN p_time BIGINT, IN p_target VARBINARY(4096))
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
END //
DELIMITER ;
