-- create_entry_and_commit (V5) without the commit marker: the new inode carries the attempt's token instead
-- (inode.create_token), so that a create whose answer was lost is found by its own rows (the name holds an inode
-- with that token: Transactor.OneTrip#carriesToken) and writes one row fewer. The marker row cost the server 100-150
-- us of a 650-800 us create (direct calls, docs/benchmarks.md, seventeenth session): one statement, an insert into
-- a table of random keys with a second index, and the sweep that deletes it again an hour later.
--
-- The column is NULL for every inode made otherwise (by hosts of an earlier build too, whose procedures stay) and
-- never read but by that look-up; adding a nullable column last is instant on MariaDB 10.3+ and MySQL 8.0.12+.
-- Everything else is V4's: see there.
ALTER TABLE inode ADD COLUMN create_token BIGINT NULL;

DELIMITER //
CREATE PROCEDURE create_entry_with_token(
  IN p_parent BIGINT, IN p_name VARBINARY(255), IN p_type TINYINT, IN p_mode INT, IN p_uid INT, IN p_gid INT,
  IN p_size BIGINT, IN p_nlink BIGINT, IN p_rdev BIGINT, IN p_time BIGINT, IN p_target VARBINARY(4096),
  IN p_token BIGINT)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
BEGIN
  DECLARE v_id BIGINT;
  UPDATE inode SET mtime = p_time, ctime = p_time, size = size + 1, nlink = nlink + IF(p_type = 4, 1, 0),
      next_cookie = next_cookie + 1
    WHERE id = p_parent AND type = 4 AND nlink > 0;
  INSERT INTO inode (type, mode, uid, gid, size, nlink, rdev, atime, mtime, ctime, crtime, version, parent_id,
      next_cookie, symlink_target, create_token)
    VALUES (p_type, p_mode, p_uid, p_gid, p_size, p_nlink, p_rdev, p_time, p_time, p_time, p_time, 0,
      IF(p_type = 4, p_parent, NULL), 1, p_target, p_token);
  SET v_id = LAST_INSERT_ID();
  INSERT INTO dentry (parent_id, name, inode_id, type, cookie)
    VALUES (p_parent, p_name, v_id, p_type,
      (SELECT next_cookie - 1 FROM inode WHERE id = p_parent AND type = 4 AND nlink > 0));
  SELECT id, type, mode, uid, gid, size, nlink, rdev, atime, mtime, ctime, crtime, version, parent_id, next_cookie,
      v_id
    FROM inode WHERE id = p_parent;
  COMMIT;
END //
DELIMITER ;
