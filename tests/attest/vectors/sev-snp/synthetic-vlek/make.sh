#!/usr/bin/env bash
# Generates a SYNTHETIC VLEK chain for tests (no AMD key is involved; nothing here verifies to a
# real AMD root): a test "ARK-Milan" (RSA-PSS, self-signed), a test "SEV-VLEK-Milan" ASVK signed
# by it, and a "SEV-VLEK" P-384 certificate with AMD's VLEK extensions (productName Milan-B0,
# SPLs bl=2 tee=0 snp=5 ucode=68 = the reported TCB of ../attestation.bin, cspId). The tests
# re-sign the sample report with vlek.key to exercise the VLEK path end to end, and sign test
# CRLs with ark.key (kept for that: AMD's CRLs are issued by the ARK). Re-run to regenerate (the
# tests only need the files to be consistent with each other).
set -euo pipefail
cd "$(dirname "$0")"
pss=(-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384 -sha384)
subj="/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ark.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out asvk.key 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out vlek.key
cat > ext.cnf <<'CNF'
[test_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[test_vlek]
1.3.6.1.4.1.3704.1.1 = ASN1:INTEGER:0
1.3.6.1.4.1.3704.1.2 = ASN1:IA5STRING:Milan-B0
1.3.6.1.4.1.3704.1.3.1 = ASN1:INTEGER:2
1.3.6.1.4.1.3704.1.3.2 = ASN1:INTEGER:0
1.3.6.1.4.1.3704.1.3.3 = ASN1:INTEGER:5
1.3.6.1.4.1.3704.1.3.8 = ASN1:INTEGER:68
1.3.6.1.4.1.3704.1.5 = ASN1:IA5STRING:trustmq-test-csp
CNF
openssl req -new -x509 -key ark.key -subj "$subj/CN=ARK-Milan" -days 9000 -set_serial 1 \
  "${pss[@]}" -extensions test_ca -config <(cat /etc/ssl/openssl.cnf ext.cnf) -out ark.pem
openssl req -new -key asvk.key -subj "$subj/CN=SEV-VLEK-Milan" -out asvk.csr
openssl x509 -req -in asvk.csr -CA ark.pem -CAkey ark.key -set_serial 2 -days 9000 \
  "${pss[@]}" -extfile ext.cnf -extensions test_ca -out asvk.pem
openssl req -new -key vlek.key -subj "$subj/CN=SEV-VLEK" -out vlek.csr
openssl x509 -req -in vlek.csr -CA asvk.pem -CAkey asvk.key -set_serial 3 -days 9000 \
  "${pss[@]}" -extfile ext.cnf -extensions test_vlek -outform der -out vlek.der
rm -f asvk.csr vlek.csr ext.cnf asvk.key
