#!/usr/bin/env bash
# Generates a SYNTHETIC Genoa VCEK chain for tests (no AMD key is involved; nothing here verifies
# to a real AMD root), the Genoa sibling of ../synthetic-vlek/make.sh: a test "ARK-Genoa"
# (RSA-PSS, self-signed), a test "SEV-Genoa" ASK signed by it, and a "SEV-VCEK" P-384
# certificate with AMD's VCEK extensions: productName Genoa, SPLs bl=2 tee=0 snp=5 ucode=68 (the
# reported TCB of ../attestation.bin) and hwID = that report's chip id. The tests re-sign the
# Milan sample report with vcek.key: no genuine Genoa report is available here, so this checks
# the Genoa path of the verifier (product → ARK-Genoa / SEV-Genoa), not Genoa hardware. Re-run to
# regenerate (the tests only need the files to be consistent with each other and the report).
set -euo pipefail
cd "$(dirname "$0")"
pss=(-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384 -sha384)
subj="/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices"
# The report's chip id: 64 bytes at 0x1A0, as colon-separated hex for a raw DER extension value.
chip_id=$(od -An -tx1 -v -j $((0x1A0)) -N 64 ../attestation.bin | tr -s ' \n' ':' | sed 's/^://;s/:$//')
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ark.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ask.key 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out vcek.key
cat > ext.cnf <<CNF
[test_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[test_vcek]
1.3.6.1.4.1.3704.1.1 = ASN1:INTEGER:0
1.3.6.1.4.1.3704.1.2 = ASN1:IA5STRING:Genoa
1.3.6.1.4.1.3704.1.3.1 = ASN1:INTEGER:2
1.3.6.1.4.1.3704.1.3.2 = ASN1:INTEGER:0
1.3.6.1.4.1.3704.1.3.3 = ASN1:INTEGER:5
1.3.6.1.4.1.3704.1.3.8 = ASN1:INTEGER:68
1.3.6.1.4.1.3704.1.4 = DER:${chip_id}
CNF
openssl req -new -x509 -key ark.key -subj "$subj/CN=ARK-Genoa" -days 9000 -set_serial 1 \
  "${pss[@]}" -extensions test_ca -config <(cat /etc/ssl/openssl.cnf ext.cnf) -out ark.pem
openssl req -new -key ask.key -subj "$subj/CN=SEV-Genoa" -out ask.csr
openssl x509 -req -in ask.csr -CA ark.pem -CAkey ark.key -set_serial 2 -days 9000 \
  "${pss[@]}" -extfile ext.cnf -extensions test_ca -out ask.pem
openssl req -new -key vcek.key -subj "$subj/CN=SEV-VCEK" -out vcek.csr
openssl x509 -req -in vcek.csr -CA ask.pem -CAkey ask.key -set_serial 3 -days 9000 \
  "${pss[@]}" -extfile ext.cnf -extensions test_vcek -outform der -out vcek.der
rm -f ask.csr vcek.csr ext.cnf ask.key ark.key
