#!/usr/bin/env python3
#
# gen_trivy.py
#	  Generate a large synthetic Trivy JSON report (SchemaVersion 2) for
#	  memory and throughput measurements of the ctem report parser.
#
# Usage: gen_trivy.py [-n FINDINGS] [-t TARGETS] [-s SEED] [-o FILE]
#
# The findings are spread over a few targets (one OS-package target and
# several language-package targets) and carry the fields real Trivy
# reports have (CVSS blocks, references, CWE ids, vendor severities), so
# that the bytes per finding (about 1.6 kB) resemble real output.
#
# test/bench/gen_trivy.py
#
import argparse
import json
import random
import sys


def vuln(rnd, i, lang):
	year = 2015 + (i % 10)
	cve = "CVE-%d-%d" % (year, 10000 + i)
	pkg = "pkg%d" % (i % 5000)
	v = {
		"VulnerabilityID": cve,
		"VendorIDs": ["GHSA-%04x-%04x-%04x" % (i & 0xffff, (i * 7) & 0xffff, (i * 13) & 0xffff)],
		"PkgID": "%s@1.%d.%d" % (pkg, i % 30, i % 7),
		"PkgName": pkg,
		"InstalledVersion": "1.%d.%d" % (i % 30, i % 7),
		"FixedVersion": "1.%d.%d" % (i % 30, i % 7 + 1),
		"Status": "fixed",
		"Layer": {"DiffID": "sha256:%064x" % rnd.getrandbits(256)},
		"SeveritySource": "nvd",
		"PrimaryURL": "https://avd.aquasec.com/nvd/%s" % cve.lower(),
		"DataSource": {"ID": "ghsa", "Name": "GitHub Security Advisory", "URL": "https://github.com/advisories"},
		"Title": "%s: denial of service via crafted input in %s" % (pkg, pkg),
		"Description": ("A flaw was found in %s. An attacker able to supply crafted input "
						"could cause excessive resource consumption, leading to a denial of "
						"service. " % pkg) * 2,
		"Severity": rnd.choice(["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]),
		"CweIDs": ["CWE-%d" % rnd.choice([20, 79, 89, 400, 787])],
		"VendorSeverity": {"nvd": 3, "redhat": 2, "ghsa": 3},
		"CVSS": {
			"nvd": {"V2Vector": "AV:N/AC:L/Au:N/C:N/I:N/A:P",
					"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
					"V2Score": 5, "V3Score": 7.5},
			"redhat": {"V3Vector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", "V3Score": 5.9},
		},
		"References": ["https://example.org/advisories/%s/%d" % (cve, k) for k in range(4)],
		"PublishedDate": "%d-03-14T12:00:00Z" % year,
		"LastModifiedDate": "2024-01-02T03:04:05Z",
	}
	if lang:
		v["PkgPath"] = "app/node_modules/%s/package.json" % pkg
		v["PkgIdentifier"] = {"PURL": "pkg:npm/%s@%s" % (pkg, v["InstalledVersion"])}
	return v


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("-n", type=int, default=30000, help="number of findings")
	ap.add_argument("-t", type=int, default=4, help="number of targets")
	ap.add_argument("-s", type=int, default=1, help="random seed")
	ap.add_argument("-o", default="-", help="output file")
	a = ap.parse_args()
	rnd = random.Random(a.s)
	results = []
	per = (a.n + a.t - 1) // a.t
	i = 0
	for t in range(a.t):
		lang = t > 0
		vulns = []
		while len(vulns) < per and i < a.n:
			vulns.append(vuln(rnd, i, lang))
			i += 1
		if lang:
			results.append({"Target": "Node.js", "Class": "lang-pkgs", "Type": "node-pkg",
							"Vulnerabilities": vulns})
		else:
			results.append({"Target": "example/app:1.0 (debian 12.5)", "Class": "os-pkgs",
							"Type": "debian", "Vulnerabilities": vulns})
	doc = {
		"SchemaVersion": 2,
		"CreatedAt": "2024-06-01T00:00:00Z",
		"ArtifactName": "example/app:1.0",
		"ArtifactType": "container_image",
		"Metadata": {"OS": {"Family": "debian", "Name": "12.5"},
					 "RepoTags": ["example/app:1.0"],
					 "RepoDigests": ["example/app@sha256:%064x" % rnd.getrandbits(256)]},
		"Results": results,
	}
	out = sys.stdout if a.o == "-" else open(a.o, "w")
	json.dump(doc, out, indent=2)
	out.write("\n")


if __name__ == "__main__":
	main()
