/**
 * Published OCMF records used by the verifier tests.
 *
 * SPEC_EXAMPLE is the example file of the OCMF specification (S.A.F.E. e.V., OCMF-en.md, "Example
 * File", revision 1.2), whitespace as published. It is NOT verifiable as published: the
 * specification gives no public key for it, and its SD (48 bytes) is neither a DER signature nor
 * r || s on the default curve secp256r1. It serves for parsing only.
 *
 * KEBA_KCP30 is a record of a KEBA KCP30 charge point with its public key, as S.A.F.E. e.V.
 * publishes it among the test files of its transparency software
 * (SAFE-eV/transparenzsoftware, src/test/resources/xml/test_ocmf_keba_kcp30.xml): a real
 * device's signature, verifiable with that key.
 */
export const SPEC_EXAMPLE = `OCMF|{
    "FV": "1.0",
    "GI": "ABL SBC-301",
    "GS": "808829900001",
    "GV": "1.4p3",
    "PG": "T12345",
    "MV": "Phoenix Contact",
    "MM": "EEM-350-D-MCB",
    "MS": "BQ27400330016",
    "MF": "1.0",
    "IS": true,
    "IL": "VERIFIED",
    "IF": [
        "RFID_PLAIN",
        "OCPP_RS_TLS"
    ],
    "IT": "ISO14443",
    "ID": "1F2D3A4F5506C7",
    "TT": "Tarif 1",
    "LC": {
        "LN": "cable_name",
        "LI": 1,
        "LR": 2,
        "LU": "mOhm"
    },
    "RD": [
        {
            "TM": "2018-07-24T13:22:04,000+0200 S",
            "TX": "B",
            "RV": 2935.6,
            "RI": "1-b:1.8.0",
            "RU": "kWh",
            "RT": "DC",
            "EF": "",
            "ST": "G"
        },
        {
            "TM": "2018-07-24T13:26:04,000+0200 S",
            "TX": "E",
            "RV": 2965.1,
            "CL": 0.5,
            "RI": "1-b:1.8.0",
            "RU": "kWh",
            "RT": "DC",
            "EF": "",
            "ST": "G"
        }
    ]
}|{
    "SD": "887FABF407AC82782EEFFF2220C2F856AEB0BC22364BBCC6B55761911ED651D1A922BADA88818C9671AFEE7094D7F536"
}`;

export const KEBA_KCP30 = {
  record:
    'OCMF|{"FV":"1.0","GI":"KEBA_KCP30","GS":"17619300","GV":"2.8.5","PG":"T32","IS":false,"IL":"NONE","IF":["RFID_NONE","OCPP_NONE","ISO15118_NONE","PLMN_NONE"],"IT":"NONE","ID":"","RD":[{"TM":"2019-08-13T10:03:15,000+0000 I","TX":"B","EF":"","ST":"G","RV":0.2596,"RI":"1-b:1.8.0","RU":"kWh"},{"TM":"2019-08-13T10:03:36,000+0000 R","TX":"E","EF":"","ST":"G","RV":0.2597,"RI":"1-b:1.8.0","RU":"kWh"}]}|{"SD":"304502200E2F107C987A300AC1695CA89EA149A8CDFA16188AF0A33EE64B67964AA943F9022100889A72B6D65364BEA8562E7F6A0253157ACFF84FE4929A93B5964D23C4265699"}',
  publicKey:
    '3059301306072A8648CE3D020106082A8648CE3D030107034200043AEEB45C392357820A58FDFB0857BD77ADA31585C61C430531DFA53B440AFBFDD95AC887C658EA55260F808F55CA948DF235C2108A0D6DC7D4AB1A5E1A7955BE',
  /** The CDR facts the record belongs to: its begin and end time, 0.0001 kWh. */
  start: '2019-08-13T10:03:15.000Z',
  end: '2019-08-13T10:03:36.000Z',
  energy: 0.0001,
};
