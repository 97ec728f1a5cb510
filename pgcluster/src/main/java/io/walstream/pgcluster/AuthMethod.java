package io.walstream.pgcluster;

/** How {@code pg_hba.conf} authenticates TCP connections, normal and replication alike. */
public enum AuthMethod {
    TRUST("trust", "scram-sha-256"),
    MD5("md5", "md5"),
    SCRAM_SHA_256("scram-sha-256", "scram-sha-256");

    private final String hbaMethod;
    private final String passwordEncryption;

    AuthMethod(String hbaMethod, String passwordEncryption) {
        this.hbaMethod = hbaMethod;
        this.passwordEncryption = passwordEncryption;
    }

    /** The keyword in pg_hba.conf. */
    public String hbaMethod() {
        return hbaMethod;
    }

    /** The {@code password_encryption} that stores passwords this method can check. */
    public String passwordEncryption() {
        return passwordEncryption;
    }
}
