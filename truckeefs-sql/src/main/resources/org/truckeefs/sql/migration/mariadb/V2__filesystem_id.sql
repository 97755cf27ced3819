-- This filesystem's id, made up by the first start: coordination state (Redis keys) is namespaced by it, so two
-- filesystems sharing one Redis never see each other's locks. One row, k = 1.
CREATE TABLE filesystem (
  k     TINYINT     NOT NULL,
  fs_id VARCHAR(64) NOT NULL,
  PRIMARY KEY (k)
) ENGINE=InnoDB;
